import BulkheadMail
import BulkheadPolicy
import Testing

/// What the relay reads from a parsed message, how it keys senders, and which domains are local.
@Suite struct RelayMessageTests {
    @Test func readsToAndCcGroupsSubjectAndBodies() throws {
        let text = """
            From: Ann <ann@example.com>\r
            To: Bob <bob@customer.test>, team: Cy <cy@customer.test>, dee@customer.test;\r
            Cc: undisclosed-recipients:;\r
            Bcc: hidden@customer.test\r
            Reply-To: desk@customer.test\r
            Cc: =?UTF-8?Q?J=C3=B6rg?= <jorg@customer.test>\r
            Subject: =?UTF-8?Q?Caf=C3=A9?= offer\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary=b\r
            \r
            --b\r
            Content-Type: multipart/alternative; boundary=a\r
            \r
            --a\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Hello Bob\r
            --a\r
            Content-Type: text/html; charset=utf-8\r
            \r
            <p>Hello Bob</p>\r
            --a--\r
            --b\r
            Content-Type: text/plain\r
            Content-Disposition: attachment; filename=notes.txt\r
            \r
            test notes\r
            --b--\r

            """
        let message = RelayMessage(
            parsing: try MIMEParser().parse(Array(text.utf8)), envelopeRecipients: ["bob@customer.test"],
            sender: .mailFrom("ann@example.com"), localDomains: try LocalDomains(["example.com"]))
        // Reply-To is seen by every recipient too (review of 2026-12-05); Bcc is not read.
        #expect(
            message.visibleRecipients.map(\.address) == [
                "bob@customer.test", "cy@customer.test", "dee@customer.test", "desk@customer.test", "jorg@customer.test",
            ])
        #expect(message.visibleRecipients.last?.displayName == "Jörg")
        #expect(message.unreadableRecipientFields.isEmpty)
        #expect(message.subject == "Café offer")
        #expect(message.text == "Hello Bob")
        #expect(message.html == "<p>Hello Bob</p>")
        #expect(message.envelopeRecipients == ["bob@customer.test"])
    }

    @Test func aBodyNotValidInItsCharsetIsStillRead() throws {
        let bytes = Array("From: a@example.com\r\nSubject: Hi\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplease ignore \u{00E9}\r\n".utf8)
        let message = RelayMessage(
            parsing: try MIMEParser().parse(bytes), envelopeRecipients: [], sender: .user("ann"), localDomains: try LocalDomains([]))
        #expect(message.text == "please ignore \u{00E9}\r\n")
        #expect(message.html == nil)
    }

    @Test func aMessageWithoutSubjectOrTextReadsAsEmpty() throws {
        let bytes = Array("From: a@example.com\r\nContent-Type: image/png\r\n\r\nxx\r\n".utf8)
        let message = RelayMessage(
            parsing: try MIMEParser().parse(bytes), envelopeRecipients: [], sender: .user("ann"), localDomains: try LocalDomains([]))
        #expect(message.subject == "" && message.text == "" && message.html == nil && message.visibleRecipients.isEmpty)
    }

    @Test func localDomainsCompareInASCIIFormWhateverTheCase() throws {
        let local = try LocalDomains(["Example.COM", "bücher.example", "[192.0.2.1]"])
        #expect(local.asciiNames == ["example.com", "xn--bcher-kva.example", "[192.0.2.1]"])
        for domain in ["example.com", "EXAMPLE.com", "Bücher.example", "XN--BCHER-KVA.example", "[192.0.2.1]"] {
            #expect(local.contains(domain), "\(domain)")
        }
        for domain in ["mail.example.com", "example.co", "bucher.example", "[192.0.2.2]", ""] {
            #expect(!local.contains(domain), "\(domain)")
        }
        #expect(throws: DomainError.self) { try LocalDomains(["example..com"]) }
    }

    @Test func sendersAreKeyedByUserExactlyAndByMailFromLowercased() {
        #expect(RelaySender(authenticatedUser: "Ann", reversePath: "news@example.com") == .user("Ann"))
        #expect(RelaySender.user("Ann") != .user("ann"))
        #expect(RelaySender(authenticatedUser: nil, reversePath: "Ann@Example.COM") == .mailFrom("Ann@example.com"))
        #expect(RelaySender.mailFrom("Ann@example.com") == .mailFrom("ann@example.com"), "no dodging the breaker by case")
        #expect(RelaySender.mailFrom("info@Bücher.example") == .mailFrom("info@xn--bcher-kva.example"))
        #expect(RelaySender.user("ann@example.com") != .mailFrom("ann@example.com"), "a user name is not an address")
        #expect(RelaySender.mailFrom("Ann@Example.COM").description == "mail-from ann@example.com")
        #expect(RelaySender.mailFrom("").description == "mail-from <>")
        #expect(RelaySender.user("ann").description == "user ann")
        #expect(RelaySender.mailFrom("Not an address").description == "mail-from not an address")
        #expect(
            [RelaySender.mailFrom("a@example.com"), .user("zed"), .user("bob")].sorted().map(\.description) == [
                "user bob", "user zed", "mail-from a@example.com",
            ])
    }
}
