import BulkheadMail
import BulkheadTestSupport
import Foundation
import PropertyBased
import Testing

@testable import BulkheadStore

// Issue 7, item 1: one mailbox is one key however it is spelt, and the key sends to that mailbox only.
// Parentheses, quotes, backslashes, spaces and @ are literal inside a quoted local part.
private let localPool = "abcxyzABC09.!#$%&'*+-/=?^_`{|}~ \"\\(),:;<>@[]éжÉ"
private let labelPool = "abcxyzABC0189äöüжяÄ"

private let mailboxes = zip(scalarText(localPool, length: 1...12), scalarText(labelPool, length: 1...10).array(of: 1...3)).map { local, labels in
    Mailbox(localPart: local, domain: (labels + ["test"]).joined(separator: "."))
}

/// Swaps the case of ASCII letters (Unicode case mapping is not always reversible, e.g. ß → SS).
private func swapASCIICase(_ text: String) -> String {
    String(
        String.UnicodeScalarView(
            text.unicodeScalars.map { scalar -> Unicode.Scalar in
                if ("a"..."z").contains(scalar) { return Unicode.Scalar(scalar.value - 32)! }
                if ("A"..."Z").contains(scalar) { return Unicode.Scalar(scalar.value + 32)! }
                return scalar
            }))
}

/// The local part as a quoted string with every character escaped (`"\a\b"`): a legal, odd spelling.
private func fullyEscaped(_ local: String) -> String {
    "\"" + local.unicodeScalars.map { "\\" + String($0) }.joined() + "\""
}

@Suite struct NormalizedAddressPropertyTests {
    @Test func everySpellingOfOneMailboxIsOneKeyThatSendsToThatMailbox() async throws {
        await propertyCheck(count: 500, input: mailboxes) { (mailbox: Mailbox) async throws in
            guard let ascii = try? mailbox.asciiDomain else { return }
            let key = try NormalizedAddress(mailbox)
            let spellings = [
                mailbox.address,
                "  " + mailbox.address + "\t",
                Mailbox(localPart: mailbox.localPart, domain: ascii).address,
                Mailbox(localPart: mailbox.localPart, domain: swapASCIICase(mailbox.domain)).address,
                Mailbox(localPart: swapASCIICase(mailbox.localPart), domain: ascii.uppercased()).address,
                fullyEscaped(mailbox.localPart) + "@" + mailbox.domain,
                "(a comment) " + mailbox.address + " (another (nested) one)",
            ]
            for spelling in spellings {
                #expect(try NormalizedAddress(spelling) == key, "\(spelling.debugDescription) vs \(key.value.debugDescription)")
            }
            // The key sends to exactly this mailbox: its own local part (lowercased), its own domain.
            let target = try key.mailbox
            #expect(target.localPart == mailbox.localPart.precomposedStringWithCanonicalMapping.lowercased(), "\(key.value)")
            #expect(try target.asciiDomain == ascii.lowercased())
            #expect(try NormalizedAddress(key.value) == key, "the key is its own canonical spelling")
        }
    }

    @Test func mailboxesThatDifferAreNeverOneKey() async throws {
        await propertyCheck(count: 300, input: zip(mailboxes, mailboxes)) { (pair: (Mailbox, Mailbox)) async throws in
            guard let a = try? NormalizedAddress(pair.0), let b = try? NormalizedAddress(pair.1) else { return }
            let domains = (try pair.0.asciiDomain, try pair.1.asciiDomain)
            let sameMailbox =
                pair.0.localPart.precomposedStringWithCanonicalMapping.lowercased()
                == pair.1.localPart.precomposedStringWithCanonicalMapping.lowercased() && domains.0 == domains.1
            #expect((a == b) == sameMailbox, "\(a.value) vs \(b.value)")
        }
    }

    /// The review's reproduction: a quoted local part with parentheses is its own mailbox.
    @Test func aQuotedLocalPartKeepsItsQuotes() throws {
        let victim = try NormalizedAddress("\"victim(x)\"@example.com")
        #expect(victim.value == "\"victim(x)\"@example.com")
        #expect(try victim.mailbox.localPart == "victim(x)")
        #expect(victim != (try NormalizedAddress("victim@example.com")))
        #expect(
            try NormalizedAddress("victim(x)@example.com") == (try NormalizedAddress("victim@example.com")),
            "unquoted, (x) is a comment: RFC 5322")
        #expect(try NormalizedAddress("\"bob\"@example.com").value == "bob@example.com", "needless quotes are dropped")
        #expect(try NormalizedAddress("bob@bücher.de") == (try NormalizedAddress("BOB@xn--bcher-kva.DE")))
        #expect(try NormalizedAddress("bob@bu\u{308}cher.de").value == "bob@xn--bcher-kva.de", "NFC first")
        // A value stored by an older version without its quotes names another mailbox: refused, never sent.
        #expect(throws: StoreError.self) { try NormalizedAddress(storedValue: "victim(x)@example.com").mailbox }
    }
}
