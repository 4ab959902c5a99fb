import BulkheadMail
import Testing

/// Bad or incomplete delivery status notifications give specific errors.
@Suite struct DSNMalformedTests {
    /// A multipart/report bounce whose delivery-status part is `status` (LF line endings).
    static func bounce(status: String, returned: String? = nil) -> [UInt8] {
        var text = """
            From: MAILER-DAEMON@mx.example.test
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"

            --b
            Content-Type: text/plain

            Your message could not be delivered.
            --b
            Content-Type: message/delivery-status

            \(status)
            """
        if let returned {
            text += "\n--b\nContent-Type: text/rfc822-headers\n\n\(returned)\n"
        }
        text += "--b--\n"
        return Array(text.utf8)
    }

    static func parse(_ bytes: [UInt8]) throws -> DeliveryStatusReport {
        try DeliveryStatusReport.parse(try MIMEParser().parse(bytes))
    }

    static let perMessage = "Reporting-MTA: dns; mx.example.test\n\n"

    @Test func plainMessageIsNotADSN() throws {
        let bytes = Array("From: a@example.test\nSubject: hi\n\nJust text.\n".utf8)
        #expect(throws: DSNParseError.notADeliveryStatusNotification(mediaType: "text/plain")) {
            try DSNMalformedTests.parse(bytes)
        }
        let message = try MIMEParser().parse(bytes)
        guard case .notAReport = InboundReport.classify(message) else {
            Issue.record("a plain message is classified as a report")
            return
        }
    }

    /// A DSN quoted inside a forwarded message/rfc822 is not this message's report.
    @Test func reportInsideEmbeddedMessageDoesNotCount() throws {
        let inner = String(
            decoding: DSNMalformedTests.bounce(
                status: DSNMalformedTests.perMessage
                    + "Final-Recipient: rfc822; a@example.test\nAction: failed\nStatus: 5.1.1\n"), as: UTF8.self)
        let outer =
            "From: a@example.test\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n\n"
            + "--o\nContent-Type: text/plain\n\nFYI\n--o\nContent-Type: message/rfc822\n\n\(inner)--o--\n"
        #expect(throws: DSNParseError.notADeliveryStatusNotification(mediaType: "multipart/mixed")) {
            try DSNMalformedTests.parse(Array(outer.utf8))
        }
    }

    @Test func emptyStatusPart() {
        #expect(throws: DSNParseError.emptyDeliveryStatus) {
            try DSNMalformedTests.parse(DSNMalformedTests.bounce(status: "\n"))
        }
    }

    @Test func noRecipientBlock() {
        #expect(throws: DSNParseError.noRecipientBlock) {
            try DSNMalformedTests.parse(DSNMalformedTests.bounce(status: "Reporting-MTA: dns; mx.example.test\n"))
        }
    }

    @Test func missingReportingMTA() {
        #expect(throws: DSNParseError.missingField(name: "Reporting-MTA", recipient: nil)) {
            try DSNMalformedTests.parse(
                DSNMalformedTests.bounce(
                    status:
                        "Arrival-Date: Mon, 23 Nov 2026 14:15:49 +0000\n\nFinal-Recipient: rfc822; a@example.test\nAction: failed\nStatus: 5.1.1\n"))
        }
    }

    @Test(arguments: [
        ("Action: failed\nStatus: 5.1.1\n", DSNParseError.missingField(name: "Final-Recipient", recipient: 1)),
        ("Final-Recipient: rfc822; b@example.test\nStatus: 5.1.1\n", .missingField(name: "Action", recipient: 1)),
        ("Final-Recipient: rfc822; b@example.test\nAction: failed\n", .missingField(name: "Status", recipient: 1)),
        (
            "Final-Recipient: rfc822; b@example.test\nAction: bounced\nStatus: 5.1.1\n",
            .unknownAction(value: "bounced", recipient: 1)
        ),
        (
            "Final-Recipient: rfc822; b@example.test\nAction: failed\nStatus: 550\n",
            .malformedStatusCode(value: "550", recipient: 1, reason: .wrongNumberOfParts("550", count: 1))
        ),
        (
            "Final-Recipient: rfc822; b@example.test\nAction: failed\nStatus: 6.0.0\n",
            .malformedStatusCode(value: "6.0.0", recipient: 1, reason: .unknownClass(6))
        ),
        (
            "Final-Recipient: b@example.test\nAction: failed\nStatus: 5.1.1\n",
            .malformedTypedField(name: "Final-Recipient", recipient: 1, reason: .missingSemicolon("b@example.test"))
        ),
        (
            "Final-Recipient: utf-8; b\\x{D800}@example.test\nAction: failed\nStatus: 5.1.1\n",
            .malformedTypedField(
                name: "Final-Recipient", recipient: 1,
                reason: .badUnicodeEscape("b\\x{D800}@example.test", offset: 1))
        ),
        (
            "Final-Recipient: rfc822; b@example.test\nOriginal-Recipient: rfc822;\nAction: failed\nStatus: 5.1.1\n",
            .malformedTypedField(name: "Original-Recipient", recipient: 1, reason: .emptyValue("rfc822;"))
        ),
        (
            "Final-Recipient: rfc822; b@example.test\nAction: failed\nStatus: 5.1.1\nRemote-MTA: 127.0.0.1\n",
            .malformedTypedField(name: "Remote-MTA", recipient: 1, reason: .missingSemicolon("127.0.0.1"))
        ),
    ])
    func badSecondRecipientBlock(block: String, error: DSNParseError) {
        let good = "Final-Recipient: rfc822; a@example.test\nAction: failed\nStatus: 5.1.1\n\n"
        #expect(throws: error) {
            try DSNMalformedTests.parse(DSNMalformedTests.bounce(status: DSNMalformedTests.perMessage + good + block))
        }
    }

    @Test func errorsSayWhere() {
        #expect(
            DSNParseError.missingField(name: "Status", recipient: 1).description
                == "missing Status field in recipient block 2")
        #expect(
            DSNParseError.missingField(name: "Reporting-MTA", recipient: nil).description
                == "missing Reporting-MTA field in the per-message block")
        #expect(
            DSNParseError.malformedStatusCode(value: "550", recipient: 0, reason: .wrongNumberOfParts("550", count: 1))
                .description
                == "malformed Status \"550\" in recipient block 1: status code \"550\" has 1 dot-separated part(s), expected class.subject.detail")
    }

    @Test func malformedDSNIsClassifiedAsSuch() throws {
        let message = try MIMEParser().parse(DSNMalformedTests.bounce(status: "Reporting-MTA: dns; mx.example.test\n"))
        guard case .malformedDeliveryStatus(let error) = InboundReport.classify(message) else {
            Issue.record("a DSN without recipients is not classified as a malformed DSN")
            return
        }
        #expect(error == .noRecipientBlock)
    }

    /// A delivery-status line longer than the parser's header-line limit (64 KiB by default).
    @Test func fieldBlockLimitIsAnError() throws {
        let limit = MIMEParser.Limits.default.maxHeaderLineBytes
        let status =
            "Reporting-MTA: dns; " + String(repeating: "m", count: limit) + "\n\n"
            + "Final-Recipient: rfc822; a@example.test\nAction: failed\nStatus: 5.1.1\n"
        #expect(throws: DSNParseError.malformedFieldBlocks(reason: .headerLineTooLong(offset: 0, limit: limit))) {
            try DSNMalformedTests.parse(DSNMalformedTests.bounce(status: status))
        }
    }

    /// The field-block interpreter can be used on blocks obtained some other way.
    @Test func interpretsHandBuiltBlocks() throws {
        var perMessage = HeaderList()
        try perMessage.append(name: "Reporting-MTA", value: "dns; mx.example.test")
        try perMessage.append(name: "Received-From-MTA", value: "dns; client.example.test")
        try perMessage.append(name: "Original-Envelope-Id", value: "QQ314159")
        var recipient = HeaderList()
        try recipient.append(name: "Final-Recipient", value: "utf-8; \\x{4F60}@example.test")
        try recipient.append(name: "Original-Recipient", value: "utf-8; \\x{4F60}@example.test")
        try recipient.append(name: "Action", value: "failed")
        try recipient.append(name: "Status", value: "5.2.2")
        try recipient.append(name: "Last-Attempt-Date", value: "Mon, 23 Nov 2026 14:15:49 +0000")
        var headers = HeaderList()
        try headers.append(name: "Message-ID", value: "<m1@example.test>")
        try headers.append(name: "Return-Path", value: "<b+m1@example.test>")
        let report = try DeliveryStatusReport(fieldBlocks: [perMessage, recipient], originalHeaders: headers)
        #expect(report.receivedFromMTA == DSNTypedValue(type: "dns", value: "client.example.test"))
        #expect(report.originalEnvelopeID == "QQ314159")
        #expect(report.recipients.map(\.address) == ["你@example.test"])
        #expect(report.recipients[0].lastAttemptDate == "Mon, 23 Nov 2026 14:15:49 +0000")
        #expect(report.recipients[0].bounceClass == .soft)  // mailbox full: see BounceClass
        #expect(report.recipients[0].status.meaning == "Mailbox full")
        #expect(report.originalMessageID == "<m1@example.test>")
        #expect(report.originalEnvelopeSender == "b+m1@example.test")
        #expect(report.recipients[0].fields == recipient)
    }

    /// Without a returned Return-Path, the envelope sender comes from Postfix's X-Postfix-Sender.
    @Test func envelopeSenderFallsBackToPostfixSender() throws {
        var perMessage = HeaderList()
        try perMessage.append(name: "Reporting-MTA", value: "dns; mx.example.test")
        try perMessage.append(name: "X-Postfix-Sender", value: "rfc822; bounce+m2@example.test")
        var recipient = HeaderList()
        try recipient.append(name: "Final-Recipient", value: "rfc822; a@example.test")
        try recipient.append(name: "Action", value: "delayed")
        try recipient.append(name: "Status", value: "4.4.1")
        let report = try DeliveryStatusReport(fieldBlocks: [perMessage, recipient])
        #expect(report.originalHeaders == nil)
        #expect(report.originalMessageID == nil)
        #expect(report.originalEnvelopeSender == "bounce+m2@example.test")
        #expect(report.recipients[0].bounceClass == .soft)
        var bare = perMessage
        bare.removeAll(named: "X-Postfix-Sender")
        #expect(try DeliveryStatusReport(fieldBlocks: [bare, recipient]).originalEnvelopeSender == nil)
    }

    /// A global (RFC 6533) DSN: raw UTF-8 in message/global-delivery-status, returned headers in
    /// message/global-headers.
    @Test func readsGlobalDeliveryStatus() throws {
        let text = """
            From: MAILER-DAEMON@mx.example.test
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=global-delivery-status; boundary="g"

            --g
            Content-Type: text/plain; charset=utf-8

            Échec.
            --g
            Content-Type: message/global-delivery-status

            Reporting-MTA: dns; mx.example.test

            Final-Recipient: utf-8; élodie@exemple.test
            Action: failed
            Status: 5.1.1

            --g
            Content-Type: message/global-headers

            Message-ID: <g1@example.test>
            Subject: Café

            --g--

            """
        let report = try DSNMalformedTests.parse(Array(text.utf8))
        #expect(report.recipients.map(\.address) == ["élodie@exemple.test"])
        #expect(report.originalMessageID == "<g1@example.test>")
        #expect(report.originalHeaders?["Subject"] == "Café")
    }
}
