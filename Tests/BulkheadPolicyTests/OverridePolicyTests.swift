import BulkheadPolicy
import Testing

@Suite struct OverridePolicyTests {
    @Test(arguments: [
        ("unsubscribe.missing", 1, true),
        ("unsubscribe.missing", 1_000_000, true),
        ("dlp.data-export", 50, true),
        ("recipients.exposed", 0, false),
        ("recipients.exposed", 3, false),
        ("recipients.bcc-header", 2, false),
        ("content.looks-like-test", 9_999, true),
        ("content.looks-like-test", 10_000, false),
        ("subject.looks-like-test", 10_000, false),
        ("subject.looks-like-test", 12, true),
        ("", 5, true),
    ])
    func whichErrorsMayBeOverridden(code: String, eligible: Int, allowed: Bool) {
        #expect(OverridePolicy.canOverride(code: code, eligible: eligible) == allowed)
        #expect((OverridePolicy.refusal(code: code, eligible: eligible) == nil) == allowed)
    }

    @Test func refusalsSayWhy() {
        #expect(OverridePolicy.refusal(code: "recipients.exposed", eligible: 1)?.contains("see each other") == true)
        #expect(
            OverridePolicy.refusal(code: "content.looks-like-test", eligible: 10_000)
                == "content.looks-like-test cannot be overridden for 10000 recipients (test mail to 10000 or more never goes)")
    }

    @Test func applyTurnsOnlyOverriddenErrorsIntoApprovals() {
        let findings = [
            Finding(code: "unsubscribe.missing", severity: .error, message: "no unsubscribe link", location: "text body"),
            Finding(code: "recipients.exposed", severity: .error, message: "12 recipients in To"),
            Finding(code: "audience.large", severity: .warning, message: "this goes to 30 recipients"),
            Finding(code: "dkim.missing", severity: .error, message: "not signed"),
        ]
        let adjusted = OverridePolicy.apply(
            overridden: ["unsubscribe.missing", "recipients.exposed", "audience.large"], to: findings, eligible: 30)
        #expect(adjusted.map(\.severity) == [.approval, .error, .warning, .error])
        #expect(adjusted[0].message == "overridden: no unsubscribe link" && adjusted[0].location == "text body")
        #expect(adjusted[0].fix == "an approver other than the author runs: bulkhead campaign approve ID")
        #expect(Array(adjusted[1...]) == Array(findings[1...]), "exposure, warnings and codes not overridden stay as they were")
        #expect(OverridePolicy.apply(overridden: [], to: findings, eligible: 30) == findings)
    }
}
