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
}
