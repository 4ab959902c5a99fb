import BulkheadMail
import Testing

/// RFC 5965 feedback reports: the hand-written fixtures (LF and CRLF) and malformed variants.
@Suite struct ARFFeedbackReportTests {
    @Test(arguments: DSNFixture.LineEnding.allCases)
    func readsAbuseReportWithFullMessage(ending: DSNFixture.LineEnding) throws {
        let message = try DSNFixture.message("arf", "abuse-full-message.eml", ending)
        let report = try FeedbackReport.parse(message)
        #expect(report.feedbackType == .abuse)
        #expect(report.feedbackType.isComplaint)
        #expect(report.userAgent == "ExampleFBL/2.1")
        #expect(report.version == 1)
        #expect(report.originalMailFrom == "bounce+offer-42.7=carol.example@shop.example")
        #expect(report.originalRcptTo == ["carol@isp.example"])
        #expect(report.originalEnvelopeID == nil)
        #expect(report.arrivalDate == "Tue, 24 Nov 2026 08:58:11 +0000")
        #expect(report.reportingMTA == DSNTypedValue(type: "dns", value: "mx1.isp.example"))
        #expect(report.sourceIP == "192.0.2.25")
        #expect(report.incidents == 3)
        #expect(report.reportedDomains == ["shop.example"])
        #expect(report.reportedURIs == ["https://shop.example/spring", "mailto:unsubscribe@shop.example"])
        #expect(
            report.authenticationResults == [
                "mx1.isp.example;        spf=pass smtp.mailfrom=shop.example;        dkim=pass header.d=shop.example"
            ])
        #expect(report.fields.count == 13)
        #expect(report.originalHeaders["Message-ID"] == "<offer-42.7@shop.example>")
        let original = try #require(report.originalMessage)
        #expect(original.headers["Subject"] == "Spring offer")
        // The line break before the closing delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        #expect(original.decodedBody == Array("Twenty percent off everything this week.".utf8))
        guard case .feedback(let classified) = InboundReport.classify(message) else {
            Issue.record("an ARF report is not classified as feedback")
            return
        }
        #expect(classified.originalHeaders == report.originalHeaders)
    }

    @Test(arguments: DSNFixture.LineEnding.allCases)
    func readsAbuseReportWithHeadersOnly(ending: DSNFixture.LineEnding) throws {
        let report = try FeedbackReport.parse(try DSNFixture.message("arf", "abuse-headers-only.eml", ending))
        #expect(report.feedbackType == .abuse)
        #expect(report.userAgent == "MailExample-FBL/1.0")
        #expect(report.originalMailFrom == nil)
        #expect(report.originalRcptTo == ["dan@mail.example"])
        #expect(report.sourceIP == "2001:db8::25")
        #expect(report.incidents == 2)
        #expect(report.reportingMTA == nil)
        #expect(report.reportedDomains.isEmpty)
        #expect(report.originalMessage == nil)
        #expect(report.originalHeaders.map(\.name) == ["Received", "From", "To", "Subject", "Message-ID", "Date", "List-Unsubscribe"])
        #expect(report.originalHeaders["Message-ID"] == "<offer-43.12@shop.example>")
    }

    @Test(arguments: DSNFixture.LineEnding.allCases)
    func malformedFixtureNamesTheMissingField(ending: DSNFixture.LineEnding) throws {
        let message = try DSNFixture.message("arf", "malformed-missing-fields.eml", ending)
        #expect(throws: FeedbackReportParseError.missingField(name: "User-Agent")) { try FeedbackReport.parse(message) }
        guard case .malformedFeedback(let error) = InboundReport.classify(message) else {
            Issue.record("a malformed ARF report is not classified as malformed feedback")
            return
        }
        #expect(error == .missingField(name: "User-Agent"))
        #expect(error.description == "the feedback report has no User-Agent field")
    }

    static func report(
        contentType: String = "multipart/report; report-type=feedback-report; boundary=z",
        fields: String = "Feedback-Type: abuse\nUser-Agent: T/1\nVersion: 1\n",
        returned: String? = "Content-Type: text/rfc822-headers\n\nMessage-ID: <r@shop.example>\n"
    ) throws -> MIMEEntity {
        var text =
            "From: fbl@isp.example\nMIME-Version: 1.0\nContent-Type: \(contentType)\n\n"
            + "--z\nContent-Type: text/plain\n\nreport\n--z\nContent-Type: message/feedback-report\n\n\(fields)\n"
        if let returned { text += "--z\n\(returned)\n" }
        text += "--z--\n"
        return try MIMEParser().parse(Array(text.utf8))
    }

    @Test func minimalReportParses() throws {
        let report = try FeedbackReport.parse(try ARFFeedbackReportTests.report())
        #expect(report.feedbackType == .abuse)
        #expect(report.incidents == 1)
        #expect(report.originalHeaders["Message-ID"] == "<r@shop.example>")
    }

    @Test(arguments: [
        ("multipart/mixed; boundary=z", FeedbackReportParseError.notMultipartReport(mediaType: "multipart/mixed")),
        ("multipart/report; report-type=delivery-status; boundary=z", .wrongReportType("delivery-status")),
        ("multipart/report; boundary=z", .wrongReportType(nil)),
    ])
    func refusesOtherContainers(contentType: String, error: FeedbackReportParseError) throws {
        let message = try ARFFeedbackReportTests.report(contentType: contentType)
        #expect(throws: error) { try FeedbackReport.parse(message) }
    }

    @Test(arguments: [
        ("User-Agent: T/1\nVersion: 1\n", FeedbackReportParseError.missingField(name: "Feedback-Type")),
        ("Feedback-Type: abuse\nUser-Agent: T/1\n", .missingField(name: "Version")),
        (
            "Feedback-Type: abuse\nFeedback-Type: fraud\nUser-Agent: T/1\nVersion: 1\n",
            .repeatedField(name: "Feedback-Type", count: 2)
        ),
        ("Feedback-Type: abuse\nUser-Agent: T/1\nVersion: one\n", .malformedNumber(name: "Version", value: "one")),
        ("Feedback-Type: abuse\nUser-Agent: T/1\nVersion: 1\nIncidents: 0\n", .malformedNumber(name: "Incidents", value: "0")),
        (
            "Feedback-Type: abuse\nUser-Agent: T/1\nVersion: 1\nSource-IP: 192.0.2.1\nSource-IP: 192.0.2.2\n",
            .repeatedField(name: "Source-IP", count: 2)
        ),
        (
            "Feedback-Type: abuse\nUser-Agent: T/1\nVersion: 1\nReporting-MTA: mx.isp.example\n",
            .malformedTypedField(name: "Reporting-MTA", reason: .missingSemicolon("mx.isp.example"))
        ),
    ])
    func refusesBadFields(fields: String, error: FeedbackReportParseError) throws {
        let message = try ARFFeedbackReportTests.report(fields: fields)
        #expect(throws: error) { try FeedbackReport.parse(message) }
    }

    @Test func requiresTheReportedMessage() throws {
        #expect(throws: FeedbackReportParseError.missingOriginalMessage) {
            try FeedbackReport.parse(try ARFFeedbackReportTests.report(returned: nil))
        }
        #expect(throws: FeedbackReportParseError.missingOriginalMessage) {
            try FeedbackReport.parse(try ARFFeedbackReportTests.report(returned: "Content-Type: text/rfc822-headers\n\n"))
        }
    }

    @Test func missingFeedbackPart() throws {
        let text =
            "Content-Type: multipart/report; report-type=feedback-report; boundary=z\n\n"
            + "--z\nContent-Type: text/plain\n\nreport\n--z--\n"
        let message = try MIMEParser().parse(Array(text.utf8))
        #expect(throws: FeedbackReportParseError.missingFeedbackPart) { try FeedbackReport.parse(message) }
        guard case .malformedFeedback(.missingFeedbackPart) = InboundReport.classify(message) else {
            Issue.record("report-type=feedback-report without its part is not classified as malformed feedback")
            return
        }
    }

    @Test func feedbackTypes() {
        let table: [(String, FeedbackType, Bool)] = [
            ("abuse", .abuse, true), ("Fraud", .fraud, true), ("virus", .virus, true), ("other", .other, false),
            ("not-spam", .notSpam, false), ("auth-failure", .authFailure, false),
            ("X-Opt-Out", .unregistered("x-opt-out"), false),
        ]
        for (text, type, complaint) in table {
            #expect(FeedbackType(fieldValue: text) == type)
            #expect(type.isComplaint == complaint)
            #expect(FeedbackType(fieldValue: type.fieldValue) == type)
        }
    }
}
