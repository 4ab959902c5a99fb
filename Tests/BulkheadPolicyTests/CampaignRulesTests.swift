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
        #expect(SendVerdict(findings, recipients: 1_234) == .needsApproval)
        #expect(SendVerdict(findings.filter { $0.severity != .approval }, recipients: 1_234) == .needsConfirmation(count: 1_234))
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
        #expect(SendVerdict(findings, recipients: 10) == .refused(codes: ["content.looks-like-test"]))
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
        #expect(SendVerdict([], recipients: 3) == .go)
        #expect(SendVerdict([Finding(code: "audience.large", severity: .warning, message: "")], recipients: 30) == .go)
    }

    @Test func errorsComeFirst() {
        let findings = CampaignRules().check(Self.plan(2_000, subject: "test"))
        #expect(findings.map(\.severity) == [.error, .approval, .confirm])
    }
}
