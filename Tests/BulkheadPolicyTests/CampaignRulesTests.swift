import BulkheadPolicy
import Testing

/// Issue 9, rules 1 and 2 of the campaign preflight (pure): thresholds count "from N up", a test
/// going to a real audience is refused, and the verdict says what a send still needs.
@Suite struct CampaignRulesTests {
    static func plan(_ recipients: Int, subject: String = "Spring offer for Ann", text: String = "Hello Ann, our spring offer.")
        -> SendPlan
    {
        Plans.compliant(recipients, subject: subject, text: text)
    }

    @Test(arguments: [
        (24, [String]()), (25, ["audience.large"]), (499, ["audience.large"]), (500, ["audience.approval"]),
        (999, ["audience.approval"]), (1_000, ["audience.approval", "audience.confirm"]),
    ])
    func audienceSizeCountsFromNUp(recipients: Int, codes: [String]) {
        #expect(CampaignRules().check(Self.plan(recipients)).map(\.code) == codes)
    }

    @Test func theExactCountIsWhatMustBeTyped() throws {
        let findings = CampaignRules().check(Self.plan(1_234))
        let confirm = try #require(findings.first { $0.code == "audience.confirm" })
        #expect(confirm.severity == .confirm)
        #expect(confirm.message == "this goes to 1234 recipients: type the number to confirm")
        #expect(confirm.fix == "bulkhead campaign send ID --confirm 1234")
        let needs = SendRequirements(findings, recipients: 1_234)
        #expect(!needs.mayGo && needs.approvalNeeded && needs.confirmationNeeded == 1_234)
        #expect(
            needs.unmet == [
                "an approval by a second person with the approver role: nobody has approved it yet",
                "--confirm 1234: type the exact number of recipients",
            ])
        #expect(!SendRequirements(findings, recipients: 1_234, approvedBy: "bob", confirmed: 1_233).mayGo)
        #expect(
            SendRequirements(findings, recipients: 1_234, approvedBy: "bob", confirmed: 1_233).unmet == [
                "--confirm 1234: the eligible count is 1234, not 1233"
            ])
        #expect(SendRequirements(findings, recipients: 1_234, approvedBy: "bob", confirmed: 1_234).mayGo)
    }

    @Test(arguments: [
        ("test", "Hello"), ("Testing the new template", "Hello"), ("Spring offer", "please IGNORE THIS mail"),
        ("Spring offer", "Lorem ipsum dolor sit amet"), ("asdf", "Hello"), ("Hello [FIRST NAME]", "Hello"),
        ("Hello {{first_name}}", "Hello"), ("Spring offer", "Hi }} there"),
    ])
    func testMailToTenOrMoreIsRefused(subject: String, text: String) {
        let findings = CampaignRules().check(Self.plan(10, subject: subject, text: text))
        #expect(findings.first?.code == "content.looks-like-test", "\(findings)")
        #expect(findings.first?.severity == .error)
        let needs = SendRequirements(findings, recipients: 10, approvedBy: "bob", confirmed: 10)
        #expect(needs.refusedBy == ["content.looks-like-test"] && !needs.mayGo, "an approval and a confirmation never outweigh an error")
        #expect(CampaignRules().check(Self.plan(9, subject: subject, text: text)).isEmpty, "below 10 it is allowed")
    }

    @Test(arguments: [
        "Contest results", "Latest news", "Our attestation", "Protest march", "Hello [x]", "See [1] and [Note]", "A [B]",
        "Testimonials from customers",
    ])
    func wordsThatMerelyContainTestAreFine(subject: String) {
        #expect(CampaignRules().check(Self.plan(10, subject: subject)).isEmpty, "\(subject)")
    }

    @Test func theFindingSaysWhereAndWhatToDo() throws {
        let finding = try #require(CampaignRules().check(Self.plan(40, subject: "Offer", text: "test run")).first)
        #expect(finding.location == "text body")
        #expect(finding.message == "the text body says \"test\": this looks like a test, going to 40 real recipients")
        #expect(finding.fix == "test with: bulkhead campaign test ID --to YOU@EXAMPLE.COM")
    }

    @Test func severitiesAreOrdered() {
        #expect(Finding.Severity.allCases.sorted() == [.info, .warning, .confirm, .approval, .error])
        #expect(SendRequirements([], recipients: 3).mayGo)
        #expect(SendRequirements([Finding(code: "audience.large", severity: .warning, message: "")], recipients: 30).mayGo)
        #expect(SendRequirements([], recipients: 3).unmet.isEmpty)
    }

    /// A count typed where none is asked for must still be the right one: a wrong number means the person
    /// expected another audience (typed 5, the list has 400).
    @Test func aWrongCountTypedRefusesEvenBelowTheConfirmThreshold() {
        let small = SendRequirements([], recipients: 400, confirmed: 5)
        #expect(!small.mayGo)
        #expect(small.unmet == ["--confirm 400: the eligible count is 400, not 5"])
        #expect(SendRequirements([], recipients: 400, confirmed: 400).mayGo)
        #expect(SendRequirements([], recipients: 400, confirmed: -1).unmet == ["--confirm 400: the eligible count is 400, not -1"])
    }

    @Test func errorsComeFirst() {
        let findings = CampaignRules().check(Self.plan(2_000, subject: "test"))
        #expect(findings.map(\.severity) == [.error, .approval, .confirm])
    }
}
