import BulkheadMail
import BulkheadPolicy
import Testing

/// The guard relay's rules (pure): exposure of external recipients in To/Cc, test mail, the audience
/// size over the envelope, the bulk undo, and what holds a message.
@Suite struct RelayRulesTests {
    static let release = "release as individual copies (`bulkhead hold release ID --split`) or as Bcc (`--bcc`)"

    static func exposure(_ count: Int) -> Finding {
        Finding(
            code: "relay.exposure", severity: .approval,
            message: "\(count) external addresses in To/Cc (and Reply-To, Mail-Followup-To, …) are seen by every recipient",
            location: "To/Cc", fix: release)
    }

    static func check(_ message: RelayMessage, _ thresholds: RelayThresholds = RelayThresholds()) -> [Finding] {
        RelayRules.check(message, thresholds: thresholds)
    }

    @Test func theDefaultsAreTheDocumentedOnes() {
        let thresholds = RelayThresholds()
        #expect(thresholds.exposureHoldRecipients == 10)
        #expect(thresholds.bulkUndoFromRecipients == 25)
        #expect(thresholds.campaign == GuardrailThresholds())
        #expect((thresholds.campaign.warnFrom, thresholds.campaign.approvalFrom, thresholds.campaign.confirmFrom) == (25, 500, 1_000))
        #expect(thresholds.campaign.testMailFrom == 10)
    }

    @Test func tenExternalRecipientsInToAndCcAreHeldNineAreNot() throws {
        let nine = RelayMessages.external(9)
        let below = try RelayMessages.parsed(["To: \(nine[..<5].joined(separator: ", "))", "Cc: \(nine[5...].joined(separator: ", "))"])
        #expect(Self.check(below).isEmpty)
        let ten = RelayMessages.external(10)
        let at = try RelayMessages.parsed(["To: \(ten[..<5].joined(separator: ", "))", "Cc: \(ten[5...].joined(separator: ", "))"])
        #expect(Self.check(at) == [Self.exposure(10)])
        #expect(RelayRules.holds(Self.check(at)))
        #expect(!Self.check(at)[0].message.contains("@"), "the finding never names an address")
    }

    /// Review of 2026-12-05: addresses in Reply-To, Mail-Followup-To and the read receipts' fields are
    /// seen by every recipient as much as To's; they count, and an unreadable one holds.
    @Test func everyFieldNamingAddressesCounts() throws {
        let ten = RelayMessages.external(10).joined(separator: ", ")
        for field in [
            "Reply-To", "Mail-Followup-To", "Mail-Reply-To", "Disposition-Notification-To", "Apparently-To", "Resent-Reply-To", "Envelope-To",
            "X-Envelope-To",
        ] {
            let message = try RelayMessages.parsed(["To: c1@customer.test", "\(field): \(ten)"])
            #expect(Self.check(message) == [Self.exposure(10)], "\(field)")
        }
        let split = try RelayMessages.parsed([
            "To: \(RelayMessages.external(5).joined(separator: ", "))", "Reply-To: \(RelayMessages.external(10)[5...].joined(separator: ", "))",
        ])
        #expect(Self.check(split) == [Self.exposure(10)], "To and Reply-To together")
        let oneReplyAddress = try RelayMessages.parsed(["To: \(RelayMessages.external(9).joined(separator: ", "))", "Reply-To: help@shop.test"])
        #expect(Self.check(oneReplyAddress) == [Self.exposure(10)], "a reply address counts too: it is seen as well")
        let unreadable = try RelayMessages.parsed(["To: c1@customer.test", "Mail-Followup-To: a@, b@"])
        #expect(RelayRules.holds(Self.check(unreadable)))
    }

    @Test func theThresholdIsConfigurable() throws {
        let message = try RelayMessages.parsed(["To: \(RelayMessages.external(3).joined(separator: ", "))"])
        #expect(Self.check(message, RelayThresholds(exposureHoldRecipients: 3)) == [Self.exposure(3)])
        #expect(Self.check(message, RelayThresholds(exposureHoldRecipients: 4)).isEmpty)
    }

    @Test func localRecipientsDoNotCount() throws {
        let colleagues = (1...10).map { "colleague\($0)@example.com" }
        #expect(Self.check(try RelayMessages.parsed(["To: \(colleagues.joined(separator: ", "))"])).isEmpty)
        // Local domains match whatever their case and in their ASCII or Unicode form; a subdomain is not local.
        let spelt = ["A@EXAMPLE.COM", "b@Example.Com", "c@bücher.example", "d@xn--bcher-kva.example", "e@BÜCHER.example"]
        let nineExternal = RelayMessages.external(9)
        #expect(Self.check(try RelayMessages.parsed(["To: \((spelt + nineExternal).joined(separator: ", "))"])).isEmpty)
        let withSubdomain = try RelayMessages.parsed(["To: \((spelt + nineExternal + ["x@mail.example.com"]).joined(separator: ", "))"])
        #expect(Self.check(withSubdomain) == [Self.exposure(10)])
    }

    /// One address spelt several ways is one recipient: the domain's case and display names do not
    /// matter, a duplicate in To and Cc counts once, an empty group adds nobody, a group's members
    /// count; the local part is compared exactly, so `Ann@` and `ann@` are two.
    @Test func oneAddressSpeltSeveralWaysCountsOnce() throws {
        let eight = RelayMessages.external(8)
        let to = "To: Ann <Ann@Shop.TEST>, \(eight[..<4].joined(separator: ", ")), undisclosed-recipients:;"
        let cc =
            "Cc: \"Lee, Ann\" <Ann@shop.test>, Ann@SHOP.test (Ann), \(eight[4...].joined(separator: ", ")), C5 <c5@CUSTOMER.TEST>, c1@customer.test"
        let nine = try RelayMessages.parsed([to, cc])
        #expect(nine.visibleRecipients.count == 13)
        #expect(Self.check(nine).isEmpty)
        #expect(Self.check(try RelayMessages.parsed([to, cc + ", ann@shop.test"])) == [Self.exposure(10)])
        #expect(Self.check(try RelayMessages.parsed([to, cc, "Cc: friends: C5 <c5@customer.test>, c9@customer.test;"])) == [Self.exposure(10)])
    }

    @Test func aRecipientFieldThatDoesNotParseHoldsTheMessage() throws {
        let message = try RelayMessages.parsed(["To: c1@customer.test", "Cc: Bob <bob@customer.test"])
        #expect(message.unreadableRecipientFields == ["Cc: offset 4: missing closing angle bracket"])
        let findings = Self.check(message)
        #expect(
            findings == [
                Finding(
                    code: "relay.recipients-unreadable", severity: .error,
                    message: "Cc: offset 4: missing closing angle bracket: who can see whom cannot be counted", location: "To/Cc", fix: Self.release)
            ])
        #expect(RelayRules.holds(findings))
    }

    /// 10,000 recipients in one To field: longer than an address list may be, so the field does not
    /// parse and the message is held (never crashed on, never counted as nobody).
    @Test func tenThousandRecipientsInToAreHeld() throws {
        let to = "To: " + RelayMessages.external(10_000).joined(separator: ",\r\n ")
        let message = try RelayMessages.parsed([to])
        #expect(message.visibleRecipients.isEmpty)
        let findings = Self.check(message)
        #expect(findings.map(\.code) == ["relay.recipients-unreadable"])
        #expect(findings.first?.message == "To: offset 65536: input of 208892 octets is longer than 65536: who can see whom cannot be counted")
        #expect(RelayRules.holds(findings))
        // Already parsed (a caller that reads the fields itself), they are counted.
        let mailboxes = try RelayMessages.external(10_000).map { try Mailbox(parsingAddrSpec: $0) }
        let counted = RelayMessage(
            visibleRecipients: mailboxes + mailboxes, envelopeRecipients: RelayMessages.external(10_000), sender: RelayMessages.sender,
            localDomains: RelayMessages.local, subject: "Offer", text: "Hello")
        #expect(Self.check(counted).map(\.code) == ["relay.exposure", "audience.approval"])
        #expect(Self.check(counted).first == Self.exposure(10_000))
    }

    @Test func aTestToTenEnvelopeRecipientsIsHeldToNineItIsNot() {
        let ten = RelayMessages.envelope(RelayMessages.external(10), subject: "test")
        #expect(
            Self.check(ten) == [
                Finding(
                    code: "content.looks-like-test", severity: .error,
                    message: "the subject says \"test\": this looks like a test, going to 10 real recipients", location: "subject",
                    fix: "if it is meant for all of them, an approver releases it: bulkhead hold release ID")
            ])
        #expect(RelayRules.holds(Self.check(ten)))
        #expect(Self.check(RelayMessages.envelope(RelayMessages.external(9), subject: "test")).isEmpty)
        // The campaign rule's detection: phrases, placeholders and template tags in the body too.
        let body = RelayMessages.envelope(RelayMessages.external(10), text: "Dear [FIRST NAME], {{offer}}")
        #expect(Self.check(body).map(\.location) == ["text body"])
        let contest = RelayMessages.envelope(RelayMessages.external(10), subject: "Contest results", text: "Testimonials")
        #expect(Self.check(contest).isEmpty)
    }

    @Test func envelopeRecipientsCountOnceHoweverSpelt() {
        let nine = RelayMessages.external(9)
        let ten = RelayMessages.envelope(nine + ["C1@customer.test"], subject: "test")
        #expect(Self.check(ten).map(\.code) == ["content.looks-like-test"], "C1@ and c1@ are two mailboxes")
        let stillNine = RelayMessages.envelope(nine + ["c1@CUSTOMER.test"], subject: "test")
        #expect(Self.check(stillNine).isEmpty, "the domain's case does not make another recipient")
    }

    @Test(arguments: [
        (24, [String]()), (25, ["audience.large"]), (499, ["audience.large"]), (500, ["audience.approval"]), (1_000, ["audience.approval"]),
    ])
    func audienceSizeCountsTheEnvelopeFromNUp(recipients: Int, codes: [String]) {
        let findings = Self.check(RelayMessages.envelope(RelayMessages.external(recipients)))
        #expect(findings.map(\.code) == codes)
        #expect(!findings.contains { $0.severity == .confirm }, "the relay has no typed confirmation")
    }

    @Test func theAudienceFindingsSayWhatToDo() {
        #expect(
            Self.check(RelayMessages.envelope(RelayMessages.external(25))) == [
                Finding(code: "audience.large", severity: .warning, message: "this message goes to 25 recipients", location: "envelope")
            ])
        #expect(!RelayRules.holds(Self.check(RelayMessages.envelope(RelayMessages.external(25)))))
        let approval = Finding(
            code: "audience.approval", severity: .approval, message: "this message goes to 500 recipients: a second person must release it",
            location: "envelope", fix: "an approver other than the sender runs: bulkhead hold release ID")
        #expect(Self.check(RelayMessages.envelope(RelayMessages.external(500))) == [approval])
        #expect(RelayRules.holds([approval]))
    }

    /// A campaign's confirm threshold set below its approval threshold: for relay mail it needs approval.
    @Test func theConfirmThresholdNeedsApprovalOnTheRelay() {
        let thresholds = RelayThresholds(campaign: GuardrailThresholds(warnFrom: 25, approvalFrom: 500, confirmFrom: 300))
        #expect(Self.check(RelayMessages.envelope(RelayMessages.external(299)), thresholds).map(\.code) == ["audience.large"])
        #expect(Self.check(RelayMessages.envelope(RelayMessages.external(300)), thresholds).map(\.severity) == [.approval])
    }

    @Test func theBulkUndoAppliesFrom25DistinctEnvelopeRecipients() {
        let thresholds = RelayThresholds()
        #expect(!RelayRules.waitsForBulkUndo(RelayMessages.envelope(RelayMessages.external(24)), thresholds: thresholds))
        #expect(RelayRules.waitsForBulkUndo(RelayMessages.envelope(RelayMessages.external(25)), thresholds: thresholds))
        let duplicated = RelayMessages.envelope(RelayMessages.external(24) + ["c1@Customer.Test"])
        #expect(!RelayRules.waitsForBulkUndo(duplicated, thresholds: thresholds))
        #expect(RelayRules.waitsForBulkUndo(duplicated, thresholds: RelayThresholds(bulkUndoFromRecipients: 24)))
    }

    @Test func errorsComeFirstAndWarningsAloneDoNotHold() throws {
        let ten = RelayMessages.external(30)
        let message = try RelayMessages.parsed(["To: \(ten.joined(separator: ", "))"], envelope: ten, subject: "testing")
        let findings = Self.check(message)
        #expect(findings.map(\.code) == ["content.looks-like-test", "relay.exposure", "audience.large"])
        #expect(RelayRules.holds(findings))
        #expect(!RelayRules.holds([Finding(code: "audience.large", severity: .warning, message: "")]))
        #expect(!RelayRules.holds([]))
    }
}
