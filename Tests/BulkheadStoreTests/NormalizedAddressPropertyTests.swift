import BulkheadMail
import BulkheadTestSupport
import Foundation
import PropertyBased
import Synchronization
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

    /// The read-back's fast path (plain text taken as it is) gives the very mailbox the full path
    /// (parse, normalise, compare) gives, and never accepts text the full path refuses.
    @Test func thePlainReadBackAgreesWithTheFullOne() async throws {
        let texts = zip(scalarText("ab09.+-_@A é\"", length: 1...8), scalarText("ab09.-xnA@", length: 1...12)).map { $0 + "@" + $1 }
        let plain = Mutex(0)
        await propertyCheck(count: 3_000, input: texts) { (text: String) async throws in
            let stored = NormalizedAddress(storedValue: text)
            guard let fast = NormalizedAddress.plainMailbox(text) else { return }
            plain.withLock { $0 += 1 }
            let full = try stored.fullReadBack()
            #expect(fast.localPart == full.localPart && fast.domain == full.domain, "\(text.debugDescription)")
            #expect(fast.displayName == nil && full.displayName == nil)
        }
        #expect(plain.withLock { $0 } > 0, "the generator reached the fast path")
        for text in ["ann@example.org", "a.b+c_d-e@mail.example.co.uk", "x@a-b.example"] {
            #expect(NormalizedAddress.plainMailbox(text) != nil, "\(text)")
        }
        for text in [
            "Ann@example.org", ".a@example.org", "a.@example.org", "a..b@example.org", "a@xn--bcher-kva.de", "a@localhost", "a@-x.org",
            "a@x-.org", "a@example..org", "a@example.org.", "\"a\"@example.org", "a@[127.0.0.1]", "é@example.org", "a@b@example.org",
        ] {
            #expect(NormalizedAddress.plainMailbox(text) == nil, "\(text)")
        }
    }
}
