import BulkheadMail
import BulkheadPolicy
import Testing

@Suite struct MessageRulesTests {
    private func findings(_ text: String) throws -> [Finding] {
        let message = try MIMEParser().parse(Array(text.utf8))
        return MessageRules().check(message)
    }

    private func codes(_ text: String) throws -> [String] {
        try findings(text).map(\.code)
    }

    @Test func aPlainPersonalMessageIsClean() throws {
        let text =
            "From: Ada <ada@example.com>\nTo: Bob <bob@example.org>\nSubject: Lunch\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <1@example.com>\n\nHi\n"
        #expect(try findings(text) == [Finding(code: "dkim.missing", severity: .info, message: "no DKIM signature")])
    }

    @Test func recipientsWhoSeeEachOtherAreFlagged() throws {
        let many = (1...12).map { "c\($0)@example.org" }.joined(separator: ", ")
        let text = "From: shop@example.com\nTo: \(many)\nSubject: Offer\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <2@example.com>\n\nBuy\n"
        let result = try findings(text)
        #expect(
            result.first
                == Finding(
                    code: "recipients.exposed", severity: .error,
                    message: "12 recipients in To/Cc can all see each other; send one message per recipient"))
        // Twelve visible recipients make it bulk mail, so the unsubscribe and DKIM rules apply too.
        #expect(result.map(\.code).contains("unsubscribe.missing"))
        #expect(result.contains(Finding(code: "dkim.missing", severity: .error, message: "no DKIM signature")))
        let two = "From: a@example.com\nTo: b@example.org\nCc: c@example.org\nSubject: x\n\nx\n"
        #expect(try codes(two).contains("recipients.exposed"))
        #expect(try findings(two).first { $0.code == "recipients.exposed" }?.severity == .warning)
    }

    @Test func bulkMailNeedsOneClickUnsubscribeCoveredByDKIM() throws {
        let base =
            "From: news@example.com\nTo: a@example.org\nSubject: News\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <3@example.com>\nPrecedence: bulk\n"
        #expect(try codes(base + "\nx\n").contains("unsubscribe.missing"))
        let mailtoOnly = base + "List-Unsubscribe: <mailto:u@example.com>\n\nx\n"
        #expect(try codes(mailtoOnly).contains("unsubscribe.no-https"))
        #expect(try codes(mailtoOnly).contains("unsubscribe.no-one-click"))
        let signedWithoutUnsubscribe =
            base + "List-Unsubscribe: <https://example.com/u/1>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
            + "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=s1; h=From:Subject; bh=AAAA; b=AAAA\n\nx\n"
        let result = try findings(signedWithoutUnsubscribe)
        #expect(
            result.contains(
                Finding(code: "dkim.header-unsigned", severity: .error, message: "the DKIM signature of example.com does not cover List-Unsubscribe"))
        )
        #expect(
            result.contains(
                Finding(
                    code: "dkim.header-unsigned", severity: .error, message: "the DKIM signature of example.com does not cover List-Unsubscribe-Post")
            ))
        #expect(!result.map(\.code).contains("unsubscribe.no-https"))
    }

    @Test func malformedAddressesAndMissingHeaders() throws {
        let text = "To: \"unterminated <a@example.org>\nSubject: =?UTF-8?Q?Test_mail?=\n\nx\n"
        let result = try codes(text)
        #expect(result.prefix(2) == ["header.from-missing", "address.invalid"])
        #expect(result.contains("header.date-missing"))
        #expect(result.contains("header.message-id-missing"))
        #expect(result.contains("subject.looks-like-test"))
    }

    @Test func mimeDefectsAreReportedWithTheirPart() throws {
        let text =
            "From: a@example.com\nTo: b@example.org\nSubject: x\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <4@example.com>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nno end\n"
        let result = try findings(text)
        #expect(result.contains { $0.code == "mime.defect" && $0.message.hasPrefix("message: ") })
    }

    /// At most `maxFindingsPerCode` findings of one code, then one "and N more" with the worst
    /// severity among the rest; defects the parser only counted are included in N.
    @Test func findingsPastTheLimitAreSummedUp() throws {
        let lines = String(repeating: "no colon here\n", count: 150)
        let text = "From: a@example.com\nTo: bad@@x\nTo: bad@@y\nTo: bad@@z\n" + lines + "\nx\n"
        let message = try MIMEParser().parse(Array(text.utf8))
        #expect(message.defects.count == 100)
        #expect(message.omittedDefects == 50)
        let result = MessageRules(maxFindingsPerCode: 2).check(message)
        #expect(result.filter { $0.code == "mime.defect" }.count == 3)
        #expect(result.contains(Finding(code: "mime.defect", severity: .warning, message: "and 148 more")))
        #expect(result.filter { $0.code == "address.invalid" }.count == 3)
        // The summary keeps the severity of what it stands for: an error, listed among the errors.
        let errors = result.prefix { $0.severity == .error }
        #expect(errors.contains(Finding(code: "address.invalid", severity: .error, message: "and 1 more")))
        #expect(MessageRules().check(message).filter { $0.code == "mime.defect" }.count == 101)
    }
}
