import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// The RFC 3834 reply: exact bytes for fixed inputs, the envelope, threading fields, and that nothing
/// of the original can add a header field or a recipient.
@Suite struct BuildAutoReplyTests {
    static let support = Mailbox(displayName: "Shop support", localPart: "support", domain: "shop.example")

    static func headers(_ text: String) throws -> HeaderList {
        try HeaderSectionParser.parse(Array(text.utf8)).headers
    }

    static let original = """
        Return-Path: <ann@example.org>
        From: Ann Example <ann@example.org>
        Reply-To: other@example.net
        To: Shop support <support@shop.example>
        Cc: boss@example.org, "Team" <team@example.org>
        Subject: =?UTF-8?Q?Bestellung_=C3=BCber?= 42
        Message-ID: <orig.2@example.org>
        References: <root.1@example.org>
        In-Reply-To: <root.1@example.org>


        """

    static func builder(subject: String? = nil) -> AutoReplyBuilder {
        var builder = AutoReplyBuilder(
            responder: support, subject: subject, text: "Thank you for your message.\nWe answer within one working day.\n\nGrüße, Shop\n")
        builder.date = MessageDate(secondsSince1970: 1_795_000_000, utcOffsetMinutes: 60)
        return builder
    }

    static func build(_ builder: AutoReplyBuilder, original: String = original, envelopeSender: String = "ann@example.org") throws -> AutoReply {
        var generator = SeededGenerator(seed: 42)
        return try builder.build(replyingTo: try headers(original), envelopeSender: envelopeSender, using: &generator)
    }

    static func parsed(_ reply: AutoReply) throws -> MIMEEntity {
        try MIMEParser().parse(reply.bytes)
    }

    @Test func exactBytes() throws {
        let reply = try Self.build(Self.builder())
        let expected = [
            "Date: Wed, 18 Nov 2026 12:06:40 +0100",
            "From: Shop support <support@shop.example>",
            "To: ann@example.org",
            "Subject: =?UTF-8?Q?Auto:_Bestellung_=C3=BCber_42?=",
            "Message-ID: <vu3w6xyeszv3ldi4ngzogd73rc@shop.example>",
            "X-Bulkhead-Loop: support@shop.example",
            "In-Reply-To: <orig.2@example.org>",
            "References: <root.1@example.org> <orig.2@example.org>",
            "Auto-Submitted: auto-replied",
            "X-Auto-Response-Suppress: All",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Thank you for your message.",
            "We answer within one working day.",
            "",
            "Gr=C3=BC=C3=9Fe, Shop",
            "",
        ].joined(separator: "\r\n")
        #expect(String(decoding: reply.bytes, as: UTF8.self) == expected)
        #expect(reply.mailFrom == "")
        #expect(reply.recipient == "ann@example.org")
    }

    @Test func theReplyGoesToTheEnvelopeSenderOnly() throws {
        let reply = try Self.build(Self.builder(), envelopeSender: "<bounce-ann@lists.example.org>")
        let message = try Self.parsed(reply)
        #expect(reply.recipient == "bounce-ann@lists.example.org")
        #expect(message.headers.values(for: "To") == ["bounce-ann@lists.example.org"])
        for name in ["Cc", "Bcc", "Reply-To", "Resent-To", "Resent-Cc"] {
            #expect(!message.headers.contains(name), "\(name) must not be written")
        }
        #expect(message.headers.values(for: "From") == ["Shop support <support@shop.example>"])
    }

    @Test func theEnvelopeRecipientIsInEnvelopeForm() throws {
        let reply = try Self.build(Self.builder(), envelopeSender: "  <Ann@Bücher.example> ")
        #expect(reply.recipient == "Ann@xn--bcher-kva.example")
        #expect(reply.mailFrom == "")
    }

    @Test(arguments: ["", "<>", "  <> "])
    func aNullEnvelopeSenderIsRefused(sender: String) throws {
        #expect(throws: MessageBuildError.self) { try Self.build(Self.builder(), envelopeSender: sender) }
        do {
            _ = try Self.build(Self.builder(), envelopeSender: sender)
        } catch let error as MessageBuildError {
            guard case .invalidAddress(let field, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(field == "To")
        }
    }

    @Test(arguments: ["not an address", "ann@", "ann@example.org, eve@example.org", "ann@example.org\r\nBcc: eve@example.org"])
    func anUnreadableEnvelopeSenderIsRefused(sender: String) throws {
        #expect(throws: MessageBuildError.self) { try Self.build(Self.builder(), envelopeSender: sender) }
    }

    @Test func theFieldsRFC3834AsksFor() throws {
        let message = try Self.parsed(try Self.build(Self.builder(subject: "We received your message")))
        #expect(message.headers["Auto-Submitted"] == "auto-replied")
        #expect(message.headers["X-Auto-Response-Suppress"] == "All")
        #expect(message.headers[BulkheadLoop.headerName] == "support@shop.example")
        #expect(message.headers["In-Reply-To"] == "<orig.2@example.org>")
        #expect(message.headers["References"] == "<root.1@example.org> <orig.2@example.org>")
        #expect(message.headers["Subject"] == "We received your message")
        #expect(message.contentType.mediaType == "text/plain")
        #expect(message.contentType.parameters["charset"] == "utf-8")
        #expect(try message.text() == "Thank you for your message.\r\nWe answer within one working day.\r\n\r\nGrüße, Shop\r\n")
    }

    @Test func withoutAConfiguredSubjectItIsAutoAndTheOriginal() throws {
        let message = try Self.parsed(try Self.build(Self.builder()))
        #expect(message.decodedHeader("Subject") == "Auto: Bestellung über 42")
        let none = try Self.parsed(try Self.build(Self.builder(), original: "From: ann@example.org\n\n"))
        #expect(none.decodedHeader("Subject") == "Auto: (no subject)")
        let long = "Subject: " + String(repeating: "word ", count: 100) + "\n\n"
        let cut = try Self.parsed(try Self.build(Self.builder(), original: long))
        #expect(cut.decodedHeader("Subject") == "Auto: " + String(String(repeating: "word ", count: 40).dropLast()))
    }

    @Test func anEncodedLineBreakInTheOriginalSubjectAddsNoField() throws {
        let original = "Subject: =?UTF-8?Q?Hi=0D=0ABcc:_eve@example.org=0A=00?=\nMessage-ID: <x@example.org>\n\n"
        let reply = try Self.build(Self.builder(), original: original)
        let message = try Self.parsed(reply)
        #expect(!message.headers.contains("Bcc"))
        #expect(message.decodedHeader("Subject") == "Auto: Hi  Bcc: eve@example.org")
        #expect(message.defects.isEmpty)
    }

    @Test func aConfiguredSubjectWithALineBreakIsRefused() throws {
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Subject", offset: 2)) {
            try Self.build(Self.builder(subject: "Hi\r\nBcc: eve@example.org"))
        }
    }

    @Test func referencesFollowRFC5322() throws {
        // In-Reply-To with one identifier and no References: it starts the References.
        let single = try Self.parsed(try Self.build(Self.builder(), original: "In-Reply-To: <p@x.example>\nMessage-ID: <m@x.example>\n\n"))
        #expect(single.headers["References"] == "<p@x.example> <m@x.example>")
        #expect(single.headers["In-Reply-To"] == "<m@x.example>")
        // In-Reply-To with two identifiers is ambiguous: only the Message-ID.
        let two = try Self.parsed(try Self.build(Self.builder(), original: "In-Reply-To: <p@x.example> <q@x.example>\nMessage-ID: <m@x.example>\n\n"))
        #expect(two.headers["References"] == "<m@x.example>")
        // No Message-ID: no In-Reply-To, the References as they were.
        let noID = try Self.parsed(try Self.build(Self.builder(), original: "References: <r@x.example> (c)\n\n"))
        #expect(noID.headers["In-Reply-To"] == nil)
        #expect(noID.headers["References"] == "<r@x.example>")
        // Nothing to thread with: neither field.
        let none = try Self.parsed(try Self.build(Self.builder(), original: "Message-ID: not an identifier\n\n"))
        #expect(none.headers["In-Reply-To"] == nil)
        #expect(none.headers["References"] == nil)
    }

    @Test func longReferencesKeepTheThreadStartAndTheLatest() throws {
        let ids = (1...30).map { "<r\($0)@x.example>" }
        let original = "References: " + ids.joined(separator: "\n ") + "\nMessage-ID: <m@x.example>\n\n"
        let message = try Self.parsed(try Self.build(Self.builder(), original: original))
        let written = MessageIDList.parse(try #require(message.headers["References"]))
        #expect(written.count == AutoReplyBuilder.referencesLimit)
        #expect(written == ["<r1@x.example>"] + ids.suffix(18) + ["<m@x.example>"])
    }

    @Test func theMessageIDIsFreshAtTheResponderDomainAndTheDateIsTheInjectedOne() throws {
        var first = SeededGenerator(seed: 1)
        var second = SeededGenerator(seed: 2)
        let headers = try Self.headers(Self.original)
        let a = try MIMEParser().parse(try Self.builder().build(replyingTo: headers, envelopeSender: "ann@example.org", using: &first).bytes)
        let b = try MIMEParser().parse(try Self.builder().build(replyingTo: headers, envelopeSender: "ann@example.org", using: &second).bytes)
        let idA = try #require(a.headers["Message-ID"])
        #expect(idA != b.headers["Message-ID"])
        #expect(idA.hasSuffix("@shop.example>"))
        #expect(idA != "<orig.2@example.org>")
        #expect(a.headers["Date"] == "Wed, 18 Nov 2026 12:06:40 +0100")
    }
}
