import BulkheadMail
import BulkheadPolicy
import Testing

/// The pure parts of hosted lists: thread subjects, storm limits, the default policy and the post rules.
@Suite("Hosted list rules")
struct ListPolicyTests {
    @Test(arguments: [
        ("test", "test", false),
        ("Re: test", "test", true),
        ("RE :  Test", "test", true),
        ("Re[2]: test", "test", true),
        ("AW: WG: Test", "test", true),
        ("Fwd: test", "test", false),
        ("Fwd: Re: test", "test", true),
        ("[all] Re: [all]  Test   message ", "test message", true),
        ("SV: Antw: Odp: test", "test", true),
        ("Meeting: today", "meeting: today", false),
        ("Re:", "", true),
        ("", "", false),
        ("Réunion: ÉTÉ", "réunion: été", false),
    ])
    func threadSubjects(subject: String, key: String, isReply: Bool) {
        let thread = ThreadSubject(subject)
        #expect(thread.key == key && thread.isReply == isReply, "\(subject.debugDescription) → \(thread)")
    }

    @Test func stormLimits() {
        let limits = StormLimits()
        #expect(limits.minMembers == 1_000 && limits.replies == 10 && limits.window == .seconds(3_600) && limits.block == .seconds(21_600))
        #expect(!limits.applies(toMembers: 999) && limits.applies(toMembers: 1_000))
        #expect(!limits.isStorm(repliesInWindow: 9) && limits.isStorm(repliesInWindow: 10))
        let off = StormLimits(replies: 0)
        #expect(!off.applies(toMembers: 1_000_000) && !off.isStorm(repliesInWindow: 1_000))
    }

    @Test func theDefaultPolicyGoesByMembers() {
        #expect(ListPostPolicy.default(members: 499, moderateFrom: 500) == .members)
        #expect(ListPostPolicy.default(members: 500, moderateFrom: 500) == .moderated)
        #expect(ListPostPolicy.default(members: 840_000, moderateFrom: 500) == .moderated)
    }

    /// A "test" to a big list is held, the same post to a small one is not; the audience-size rule
    /// does not apply (the list is the audience); sensitive content and exposure do.
    @Test func postRules() throws {
        let thresholds = RelayThresholds()
        let post = try RelayMessages.parsed(["To: all@example.com"], envelope: ["all@example.com"], subject: "test", body: "test")
        let big = ListPostRules.check(post, members: 840_000, thresholds: thresholds)
        #expect(big.map(\.code).contains("content.looks-like-test") && RelayRules.holds(big), "\(big.map(\.code))")
        let small = ListPostRules.check(post, members: 3, thresholds: thresholds)
        #expect(!RelayRules.holds(small), "\(small.map(\.code))")
        #expect(!big.contains { $0.code.hasPrefix("audience") }, "\(big.map(\.code))")

        let card = try RelayMessages.parsed(
            ["To: all@example.com"], envelope: ["all@example.com"], subject: "Card", body: "My card is 4111 1111 1111 1111, thanks")
        let sensitive = ListPostRules.check(card, members: 3, thresholds: thresholds)
        #expect(sensitive.map(\.code).contains("dlp.payment-card") && RelayRules.holds(sensitive), "\(sensitive.map(\.code))")

        let exposed = try RelayMessages.parsed(
            ["To: all@example.com", "Cc: " + RelayMessages.external(12).joined(separator: ", ")], envelope: ["all@example.com"],
            subject: "Hello", body: "Hello all")
        let exposure = ListPostRules.check(exposed, members: 3, thresholds: thresholds)
        #expect(exposure.map(\.code).contains("relay.exposure") && RelayRules.holds(exposure), "\(exposure.map(\.code))")
    }
}
