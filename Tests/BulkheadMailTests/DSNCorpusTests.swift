import BulkheadMail
import Foundation
import Testing

/// Loading the DSN and ARF fixtures, in LF form (as stored) or CRLF form (the wire form).
enum DSNFixture {
    enum LineEnding: String, CaseIterable, Sendable, CustomStringConvertible {
        case lf, crlf
        var description: String { rawValue }
    }

    static func bytes(_ area: String, _ name: String, _ ending: LineEnding) throws -> [UInt8] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/\(area)"),
            "fixture Fixtures/\(area)/\(name) is missing from the test bundle")
        let lf = [UInt8](try Data(contentsOf: url))
        #expect(!lf.contains(0x0D), "fixture \(name) is expected to be stored with LF line endings")
        switch ending {
        case .lf:
            return lf
        case .crlf:
            var crlf: [UInt8] = []
            crlf.reserveCapacity(lf.count + lf.count / 40)
            for byte in lf {
                if byte == 0x0A { crlf.append(0x0D) }
                crlf.append(byte)
            }
            return crlf
        }
    }

    static func message(_ area: String, _ name: String, _ ending: LineEnding) throws -> MIMEEntity {
        try MIMEParser().parse(try bytes(area, name, ending))
    }
}

/// Every bounce of the corpus (Fixtures/dsn/README.md) read as the README's table says, with the
/// bounce class chosen for it, in LF and CRLF form.
@Suite struct DSNCorpusTests {
    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var topType: String
        /// (final recipient, status, action, bounce class) per recipient block.
        var recipients: [(String, String, DSNAction, BounceClass)]
        var originalMessageID: String
        /// The `Reporting-MTA` host; nil for the Postfix/OpenSMTPD test host's default.
        var reportingMTA: String? = nil
        var description: String { file }
    }

    static let corpus: [Expected] = [
        .init(
            file: "opensmtpd-delay-expired.eml", topType: "multipart/mixed",
            recipients: [("gina@defer.example.test", "4.4.7", .delayed, .expired)],
            originalMessageID: "<delay.1795444048@example.test>"),
        .init(
            file: "opensmtpd-delay-warning.eml", topType: "multipart/mixed",
            recipients: [("gina@defer.example.test", "4.0.0", .delayed, .soft)],
            originalMessageID: "<delay.1795444048@example.test>"),
        .init(
            file: "opensmtpd-dsn-delay-expired.eml", topType: "multipart/mixed",
            recipients: [("hank@defer.example.test", "4.4.7", .delayed, .expired)],
            originalMessageID: "<dsn-delay.1795444060@example.test>"),
        .init(
            file: "opensmtpd-dsn-delay-warning.eml", topType: "multipart/mixed",
            recipients: [("hank@defer.example.test", "4.0.0", .delayed, .soft)],
            originalMessageID: "<dsn-delay.1795444060@example.test>"),
        .init(
            file: "opensmtpd-dsn-failure.eml", topType: "multipart/mixed",
            recipients: [("nouser2@stub.example.test", "5.0.0", .failed, .hard)],
            originalMessageID: "<dsn-failure.1795444060@example.test>"),
        .init(
            file: "opensmtpd-dsn-relayed.eml", topType: "multipart/mixed",
            recipients: [("dave@stub.example.test", "2.0.0", .relayed, .success)],
            originalMessageID: "<dsn-relayed.1795444060@example.test>"),
        .init(
            file: "opensmtpd-dsn-success.eml", topType: "multipart/mixed",
            recipients: [("bob@example.test", "2.0.0", .delivered, .success)],
            originalMessageID: "<dsn-success.1795444060@example.test>"),
        .init(
            file: "opensmtpd-multi-rcpt-part1.eml", topType: "multipart/mixed",
            recipients: [("broken@example.test", "5.3.0", .failed, .hard)],
            originalMessageID: "<multi-rcpt.1795444060@example.test>"),
        .init(
            file: "opensmtpd-multi-rcpt-part2.eml", topType: "multipart/mixed",
            recipients: [("nouser3@stub.example.test", "5.0.0", .failed, .hard)],
            originalMessageID: "<multi-rcpt.1795444060@example.test>"),
        .init(
            file: "opensmtpd-pipe-failure.eml", topType: "multipart/mixed",
            recipients: [("broken@example.test", "5.3.0", .failed, .hard)],
            originalMessageID: "<pipe-failure.1795444048@example.test>"),
        .init(
            file: "opensmtpd-remote-size.eml", topType: "multipart/mixed",
            recipients: [("fred@stub.example.test", "5.0.0", .failed, .rejectedMessage)],
            originalMessageID: "<remote-size.1795444048@example.test>"),
        .init(
            file: "opensmtpd-remote-unknown.eml", topType: "multipart/mixed",
            recipients: [("nouser1@stub.example.test", "5.0.0", .failed, .hard)],
            originalMessageID: "<remote-unknown.1795444048@example.test>"),
        .init(
            file: "postfix-delay-expired.eml", topType: "multipart/report",
            recipients: [("gina@defer.example.test", "4.4.1", .failed, .expired)],
            originalMessageID: "<delay.1795443349@example.test>"),
        .init(
            file: "postfix-delay-warning.eml", topType: "multipart/report",
            recipients: [("gina@defer.example.test", "4.4.1", .delayed, .soft)],
            originalMessageID: "<delay.1795443349@example.test>"),
        .init(
            file: "postfix-dsn-delay-expired.eml", topType: "multipart/report",
            recipients: [("hank@defer.example.test", "4.4.1", .failed, .expired)],
            originalMessageID: "<dsn-delay.1795443349@example.test>"),
        .init(
            file: "postfix-dsn-delay-warning.eml", topType: "multipart/report",
            recipients: [("hank@defer.example.test", "4.4.1", .delayed, .soft)],
            originalMessageID: "<dsn-delay.1795443349@example.test>"),
        .init(
            file: "postfix-dsn-expanded.eml", topType: "multipart/report",
            recipients: [("team@example.test", "2.0.0", .expanded, .success)],
            originalMessageID: "<dsn-expanded.1795443349@example.test>"),
        .init(
            file: "postfix-dsn-failure.eml", topType: "multipart/report",
            recipients: [("nosuchuser2@example.test", "5.1.1", .failed, .hard)],
            originalMessageID: "<dsn-failure.1795443349@example.test>"),
        .init(
            file: "postfix-dsn-relayed.eml", topType: "multipart/report",
            recipients: [("dave@relayed.example.test", "2.0.0", .relayed, .success)],
            originalMessageID: "<dsn-relayed.1795443349@example.test>"),
        .init(
            file: "postfix-dsn-smtp.eml", topType: "multipart/report",
            recipients: [("nosuchuser4@example.test", "5.1.1", .failed, .hard)],
            originalMessageID: "<dsn-smtp.1795443372@example.test>"),
        .init(
            file: "postfix-dsn-success.eml", topType: "multipart/report",
            recipients: [("bob@example.test", "2.0.0", .delivered, .success)],
            originalMessageID: "<dsn-success.1795443349@example.test>"),
        .init(
            file: "postfix-error-transport.eml", topType: "multipart/report",
            recipients: [("judy@reject.example.test", "5.2.1", .failed, .hard)],
            originalMessageID: "<error-transport.1795443349@example.test>"),
        .init(
            file: "postfix-loop.eml", topType: "multipart/report",
            recipients: [("ivan@loop.example.test", "5.4.0", .failed, .hard)],
            originalMessageID: "<loop.1795443349@example.test>"),
        .init(
            file: "postfix-multi-rcpt.eml", topType: "multipart/report",
            recipients: [
                ("kim@reject.example.test", "5.2.1", .failed, .hard),
                ("nosuchuser3@example.test", "5.1.1", .failed, .hard),
            ],
            originalMessageID: "<multi-rcpt.1795443349@example.test>"),
        .init(
            file: "postfix-pipe-failure.eml", topType: "multipart/report",
            recipients: [("broken@example.test", "5.3.0", .failed, .hard)],
            originalMessageID: "<pipe-failure.1795443349@example.test>"),
        .init(
            file: "postfix-size-esmtp.eml", topType: "multipart/report",
            recipients: [("fred@esmtpsize.example.test", "5.3.4", .failed, .rejectedMessage)],
            originalMessageID: "<size-esmtp.1795443349@example.test>"),
        .init(
            file: "postfix-size-remote.eml", topType: "multipart/report",
            recipients: [("fred@small.example.test", "5.3.4", .failed, .rejectedMessage)],
            originalMessageID: "<size-remote.1795443348@example.test>"),
        .init(
            file: "postfix-unknown-smtp.eml", topType: "multipart/report",
            recipients: [("nosuchuser5@example.test", "5.1.1", .failed, .hard)],
            originalMessageID: "<unknown-smtp.1795443372@example.test>"),
        .init(
            file: "postfix-unknown.eml", topType: "multipart/report",
            recipients: [("nosuchuser@example.test", "5.1.1", .failed, .hard)],
            originalMessageID: "<unknown.1795443348@example.test>"),
        // Hand-written in the formats of Exim, Gmail and Exchange Online (see the README).
        .init(
            file: "exim-unknown-user.eml", topType: "multipart/report",
            recipients: [("nosuchuser6@remote.example.test", "5.0.0", .failed, .hard)],
            originalMessageID: "<exim-unknown.1795443600@example.test>", reportingMTA: "mx.example.test"),
        .init(
            file: "exim-spam-rejected.eml", topType: "multipart/report",
            recipients: [("ola@remote.example.test", "5.0.0", .failed, .rejectedMessage)],
            originalMessageID: "<exim-spam.1795443600@example.test>", reportingMTA: "mx.example.test"),
        .init(
            file: "exim-retry-timeout.eml", topType: "multipart/report",
            recipients: [("hank@slow.example.test", "5.0.0", .failed, .expired)],
            originalMessageID: "<exim-retry.1795443600@example.test>", reportingMTA: "mx.example.test"),
        .init(
            file: "gmail-dmarc-rejected.eml", topType: "multipart/report",
            recipients: [("pia@gmail.example.test", "5.7.26", .failed, .rejectedMessage)],
            originalMessageID: "<gmail-dmarc.1795443600@example.test>", reportingMTA: "googlemail.com"),
        .init(
            file: "gmail-over-quota.eml", topType: "multipart/report",
            recipients: [("quinn@gmail.example.test", "5.2.2", .failed, .soft)],
            originalMessageID: "<gmail-quota.1795443600@example.test>", reportingMTA: "googlemail.com"),
        .init(
            file: "microsoft-unknown-recipient.eml", topType: "multipart/report",
            recipients: [("nosuchuser8@contoso.example.test", "5.1.10", .failed, .hard)],
            originalMessageID: "<microsoft-unknown.1795443600@example.test>", reportingMTA: Self.exchangeHost),
        .init(
            file: "microsoft-message-too-big.eml", topType: "multipart/report",
            recipients: [("rita@contoso.example.test", "5.3.4", .failed, .rejectedMessage)],
            originalMessageID: "<microsoft-size.1795443600@example.test>", reportingMTA: Self.exchangeHost),
        .init(
            file: "microsoft-message-expired.eml", topType: "multipart/report",
            recipients: [("sam@contoso.example.test", "4.4.7", .failed, .expired)],
            originalMessageID: "<microsoft-expired.1795443600@example.test>", reportingMTA: Self.exchangeHost),
    ]

    static let exchangeHost = "AM6PR04MB1234.eurprd04.prod.outlook.com"

    @Test func corpusTableCoversEveryFixture() throws {
        let folder = try #require(Bundle.module.url(forResource: "dsn", withExtension: nil, subdirectory: "Fixtures"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }
        #expect(files.count == 37)
        #expect(Set(files) == Set(DSNCorpusTests.corpus.map(\.file)))
    }

    @Test(arguments: DSNCorpusTests.corpus, DSNFixture.LineEnding.allCases)
    func classifiesAsTheREADMESays(expected: Expected, ending: DSNFixture.LineEnding) throws {
        let message = try DSNFixture.message("dsn", expected.file, ending)
        #expect(message.contentType.mediaType == expected.topType)
        let report = try DeliveryStatusReport.parse(message)
        #expect(report.recipients.count == expected.recipients.count)
        for (recipient, want) in zip(report.recipients, expected.recipients) {
            #expect(recipient.finalRecipient == DSNTypedValue(type: "rfc822", value: want.0))
            #expect(recipient.address == want.0)
            #expect(recipient.status.description == want.1)
            #expect(recipient.action == want.2)
            #expect(recipient.bounceClass == want.3)
        }
        #expect(report.originalMessageID == expected.originalMessageID)
        let host =
            expected.reportingMTA
            ?? (expected.file.hasPrefix("postfix") || expected.file.hasPrefix("opensmtpd-dsn")
                || expected.file.hasPrefix("opensmtpd-multi") ? "mx.example.test" : "example.test")
        #expect(report.reportingMTA == DSNTypedValue(type: "dns", value: host))
        guard case .deliveryStatus(let classified) = InboundReport.classify(message) else {
            Issue.record("\(expected.file) is not classified as a DSN")
            return
        }
        #expect(classified == report)
    }

    /// Postfix: every per-message and per-recipient field, and the VERP sender, read exactly.
    @Test(arguments: DSNFixture.LineEnding.allCases)
    func postfixFieldsAreReadExactly(ending: DSNFixture.LineEnding) throws {
        let report = try DeliveryStatusReport.parse(try DSNFixture.message("dsn", "postfix-dsn-smtp.eml", ending))
        #expect(report.originalEnvelopeID == "ENVID-dsn-smtp-0006")
        #expect(report.arrivalDate == "Mon, 23 Nov 2026 14:16:12 +0000 (UTC)")
        #expect(report.receivedFromMTA == nil)
        #expect(report.perMessageFields["X-Postfix-Queue-ID"] == "DB75AFA0FF")
        #expect(report.originalEnvelopeSender == "alice+dsn-smtp@example.test")
        let recipient = try #require(report.recipients.first)
        #expect(recipient.originalRecipient == DSNTypedValue(type: "rfc822", value: "Original.Recipient@example.test"))
        #expect(recipient.diagnosticCode == DSNTypedValue(type: "x-postfix", value: "unknown user: \"nosuchuser4\""))
        #expect(recipient.remoteMTA == nil)
        #expect(recipient.willRetryUntil == nil)
        #expect(recipient.status.meaning == "Bad destination mailbox address")
        let headers = try #require(report.originalHeaders)
        #expect(headers["To"] == "nosuchuser4@example.test, lena@reject.example.test")
    }

    @Test(arguments: DSNFixture.LineEnding.allCases)
    func postfixRelayedNamesTheRemoteMTA(ending: DSNFixture.LineEnding) throws {
        let report = try DeliveryStatusReport.parse(try DSNFixture.message("dsn", "postfix-dsn-relayed.eml", ending))
        let recipient = try #require(report.recipients.first)
        #expect(recipient.remoteMTA == DSNTypedValue(type: "dns", value: "127.0.0.1"))
        #expect(recipient.diagnosticCode == DSNTypedValue(type: "smtp", value: "250 2.0.0 Ok: queued as 32CC3FA0F8"))
    }

    @Test(arguments: DSNFixture.LineEnding.allCases)
    func postfixDelayWarningSaysUntilWhenItRetries(ending: DSNFixture.LineEnding) throws {
        let report = try DeliveryStatusReport.parse(try DSNFixture.message("dsn", "postfix-delay-warning.eml", ending))
        let recipient = try #require(report.recipients.first)
        #expect(recipient.willRetryUntil == "Mon, 23 Nov 2026 14:18:19 +0000 (UTC)")
        // A folded Diagnostic-Code is unfolded (the line break goes, the indentation stays).
        #expect(recipient.diagnosticCode?.value == "connect to 127.0.0.1[127.0.0.1]:2599: Connection    refused")
        // Headers-only return (text/rfc822-headers) still carries the Return-Path Postfix added.
        #expect(report.originalHeaders?["Return-Path"] == "<alice+delay@example.test>")
        #expect(report.originalEnvelopeSender == "alice+delay@example.test")
        #expect(report.perMessageFields["X-Postfix-Sender"] == "rfc822; alice+delay@example.test")
    }

    @Test(arguments: DSNFixture.LineEnding.allCases)
    func postfixReturnedMessageGivesReturnPath(ending: DSNFixture.LineEnding) throws {
        let report = try DeliveryStatusReport.parse(try DSNFixture.message("dsn", "postfix-multi-rcpt.eml", ending))
        #expect(report.originalHeaders?["Return-Path"] == "<alice+multi-rcpt@example.test>")
        #expect(report.originalEnvelopeSender == "alice+multi-rcpt@example.test")
        #expect(report.originalHeaders?["To"] == "nosuchuser3@example.test, kim@reject.example.test, bob@example.test")
    }

    /// OpenSMTPD puts the returned body inside text/rfc822-headers: only the header section is kept.
    @Test(arguments: DSNFixture.LineEnding.allCases)
    func openSMTPDReturnedHeadersStopAtTheBody(ending: DSNFixture.LineEnding) throws {
        let report = try DeliveryStatusReport.parse(try DSNFixture.message("dsn", "opensmtpd-delay-expired.eml", ending))
        let headers = try #require(report.originalHeaders)
        #expect(headers.map(\.name) == ["Received", "From", "To", "Subject", "Message-ID", "Date"])
        #expect(headers["Subject"] == "dsn-corpus test delay")
        #expect(report.originalEnvelopeID == nil)
        #expect(report.arrivalDate == nil)
        #expect(report.originalEnvelopeSender == nil)
        let recipient = try #require(report.recipients.first)
        #expect(recipient.originalRecipient == nil)
        #expect(recipient.diagnosticCode == nil)
        #expect(recipient.status.isDeliveryTimeExpired)
    }

    /// A generic `Status:` gives way to the code the server wrote: in the `Diagnostic-Code` (Exim),
    /// or, when there is none, in the report's line about the recipient (OpenSMTPD).
    @Test(arguments: [
        ("exim-unknown-user.eml", "5.1.1"), ("exim-spam-rejected.eml", "5.7.1"), ("exim-retry-timeout.eml", "5.0.0"),
        ("opensmtpd-remote-size.eml", "5.3.4"), ("opensmtpd-remote-unknown.eml", "5.1.1"),
        ("opensmtpd-dsn-failure.eml", "5.1.1"), ("opensmtpd-pipe-failure.eml", "5.3.0"),
        ("postfix-unknown.eml", "5.1.1"), ("gmail-dmarc-rejected.eml", "5.7.26"),
    ])
    func genericStatusTakesTheServersCode(file: String, specific: String) throws {
        let report = try DeliveryStatusReport.parse(try DSNFixture.message("dsn", file, .crlf))
        #expect(report.recipients.map(\.specificStatus.description) == [specific])
    }

    /// Exim names the cause of a retry timeout only in its human-readable part, under the address.
    @Test(arguments: DSNFixture.LineEnding.allCases)
    func eximRetryTimeoutIsReadFromTheExplanation(ending: DSNFixture.LineEnding) throws {
        let report = try DeliveryStatusReport.parse(try DSNFixture.message("dsn", "exim-retry-timeout.eml", ending))
        let recipient = try #require(report.recipients.first)
        #expect(recipient.diagnosticCode == nil)
        #expect(recipient.explanation == "  hank@slow.example.test\n    retry timeout exceeded")
        #expect(recipient.bounceClass == .expired)
    }
}
