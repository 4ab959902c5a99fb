import Testing

@testable import BulkheadMail

@Suite struct AddressIDNATests {
    @Test func asciiDomainLowercasesAndPunycodesEachLabel() throws {
        #expect(try Mailbox(localPart: "a", domain: "Bücher.Example").asciiDomain == "xn--bcher-kva.example")
        #expect(try Mailbox(localPart: "a", domain: "MÜNCHEN.de").asciiDomain == "xn--mnchen-3ya.de")
        #expect(try Mailbox(localPart: "a", domain: "例え.テスト").asciiDomain == "xn--r8jz45g.xn--zckzah")
        #expect(try Mailbox(localPart: "a", domain: "XN--BCHER-KVA.example").asciiDomain == "xn--bcher-kva.example")
        #expect(try Mailbox(localPart: "a", domain: "[192.0.2.1]").asciiDomain == "[192.0.2.1]")
    }

    @Test func unicodeDomainDecodesALabels() {
        #expect(Mailbox(localPart: "a", domain: "xn--bcher-kva.XN--zckzah").unicodeDomain == "bücher.テスト")
        #expect(Mailbox(localPart: "a", domain: "xn--!!.example").unicodeDomain == "xn--!!.example")
        #expect(Mailbox(localPart: "a", domain: "plain.example").unicodeDomain == "plain.example")
    }

    @Test func rejectsInvalidDomains() {
        #expect(throws: DomainError.empty) { try IDNA.toASCII("") }
        #expect(throws: DomainError.emptyLabel(index: 1)) { try IDNA.toASCII("a..b") }
        #expect(throws: DomainError.emptyLabel(index: 0)) { try IDNA.toASCII(".example") }
        #expect(throws: DomainError.emptyLabel(index: 2)) { try IDNA.toASCII("example.com.") }
        #expect(throws: DomainError.labelTooLong(labelIndex: 0, octets: 64)) {
            try IDNA.toASCII(String(repeating: "a", count: 64) + ".com")
        }
        #expect(throws: DomainError.labelTooLong(labelIndex: 0, octets: 66)) {
            try IDNA.toASCII(String(repeating: "ü", count: 60))
        }
        let long = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")
        #expect(throws: DomainError.nameTooLong(octets: 255)) { try IDNA.toASCII(long) }
        #expect(throws: DomainError.invalidCharacter(" ", labelIndex: 0)) { try IDNA.toASCII("exa mple.com") }
        #expect(throws: DomainError.invalidALabel("XN--9", labelIndex: 1)) { try IDNA.toASCII("a.XN--9") }
        #expect(DomainError.emptyLabel(index: 1).description == "label 1 is empty")
    }

    @Test func addressQuotesLocalPartOnlyWhenNeeded() {
        #expect(Mailbox(localPart: "john.doe+tag", domain: "example.com").address == "john.doe+tag@example.com")
        #expect(Mailbox(localPart: "jürgen", domain: "bücher.de").address == "jürgen@bücher.de")
        #expect(Mailbox(localPart: "john doe", domain: "example.com").address == "\"john doe\"@example.com")
        #expect(Mailbox(localPart: ".dot", domain: "example.com").address == "\".dot\"@example.com")
        #expect(Mailbox(localPart: "a..b", domain: "example.com").address == "\"a..b\"@example.com")
        #expect(Mailbox(localPart: "say\"hi\\", domain: "example.com").address == "\"say\\\"hi\\\\\"@example.com")
        #expect(Mailbox(localPart: "", domain: "example.com").address == "\"\"@example.com")
    }

    @Test func envelopeAddress() throws {
        let box = Mailbox(localPart: "jürgen", domain: "Bücher.example")
        #expect(try box.envelopeAddress(smtputf8: true) == "jürgen@xn--bcher-kva.example")
        #expect(throws: MailboxError.nonASCIILocalPart(offset: 1)) { try box.envelopeAddress(smtputf8: false) }
        #expect(try Mailbox(localPart: "x y", domain: "ÉCOLE.fr").envelopeAddress(smtputf8: false) == "\"x y\"@xn--cole-9oa.fr")
        #expect(throws: MailboxError.controlCharacterInLocalPart(offset: 1)) {
            try Mailbox(localPart: "a\r\nRCPT TO:<x@y>", domain: "example.com").envelopeAddress(smtputf8: true)
        }
        #expect(throws: MailboxError.emptyLocalPart) { try Mailbox(localPart: "", domain: "a.b").envelopeAddress(smtputf8: true) }
        #expect(throws: MailboxError.localPartTooLong(octets: 65)) {
            try Mailbox(localPart: String(repeating: "a", count: 65), domain: "a.b").envelopeAddress(smtputf8: true)
        }
        #expect(throws: MailboxError.invalidDomain(.emptyLabel(index: 1))) {
            try Mailbox(localPart: "a", domain: "a..b").envelopeAddress(smtputf8: true)
        }
    }

    /// The ASCII fast path answers exactly as the label-by-label path, or leaves the name to it:
    /// random names from an alphabet with the characters at every edge (case, dots, `xn--`, `_`, `!`,
    /// non-ASCII) and lengths around 63 and 253.
    @Test func theASCIIFastPathAgreesWithTheFullPath() {
        let pieces = ["a", "Z", "0", "-", "_", ".", "xn--", "XN--", "xn--bcher-kva", "!", "ü", "é", String(repeating: "a", count: 62)]
        var generator = SystemRandomNumberGenerator()
        var plain = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 1...12, using: &generator)
            var domain = (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
            if Int.random(in: 0..<20, using: &generator) == 0 { domain = String(repeating: domain, count: 253 / max(1, domain.utf8.count) + 1) }
            let full = Result { () throws(DomainError) in try IDNA.fullASCII(domain) }
            if let fast = IDNA.plainASCII(domain) {
                plain += 1
                #expect(full == .success(fast), "\(domain.debugDescription)")
            }
            #expect(Result { () throws(DomainError) in try IDNA.toASCII(domain) } == full, "\(domain.debugDescription)")
        }
        // The fast path is taken for the common names (not only refused).
        #expect(plain > 1_000)
        #expect(IDNA.plainASCII("Mail.Example.ORG") == "mail.example.org")
        #expect(IDNA.plainASCII("xn--bcher-kva.example") == nil)
        #expect(IDNA.plainASCII("example.") == nil)
    }
}
