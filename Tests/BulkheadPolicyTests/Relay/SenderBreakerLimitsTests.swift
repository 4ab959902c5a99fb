import BulkheadPolicy
import Testing

/// The per-sender breaker's decision over a window's counts (the counting itself is the store's,
/// covered by the conformance suite).
@Suite struct SenderBreakerLimitsTests {
    @Test func theDefaultsAre30MessagesOr100RecipientsIn10Minutes() {
        #expect(SenderBreakerLimits() == SenderBreakerLimits(messages: 30, distinctRecipients: 100, window: .seconds(600)))
    }

    @Test func eachLimitCountsFromNUp() {
        let limits = SenderBreakerLimits()
        #expect(!limits.isTripped(by: SenderVolume(messages: 29, distinctRecipients: 99)))
        #expect(limits.isTripped(by: SenderVolume(messages: 30, distinctRecipients: 1)))
        #expect(limits.isTripped(by: SenderVolume(messages: 1, distinctRecipients: 100)))
        #expect(limits.isTripped(by: SenderVolume(messages: 31, distinctRecipients: 10_000)))
    }

    @Test func zeroMessagesTurnsTheBreakerOff() {
        let off = SenderBreakerLimits(messages: 0)
        #expect(!off.isOn)
        #expect(!off.isTripped(by: SenderVolume(messages: 10_000, distinctRecipients: 10_000)))
    }

    @Test func zeroRecipientsTurnsOffOnlyTheRecipientLimit() {
        let limits = SenderBreakerLimits(messages: 30, distinctRecipients: 0)
        #expect(!limits.isTripped(by: SenderVolume(messages: 29, distinctRecipients: 10_000)))
        #expect(limits.isTripped(by: SenderVolume(messages: 30, distinctRecipients: 0)))
    }
}

/// How a person names a sender (`bulkhead relay breaker close SENDER`).
@Suite struct RelaySenderNamingTests {
    @Test func theListedFormSaysTheKindAndABareNameIsGuessed() {
        #expect(RelaySender(named: "user ann@corp.example") == .user("ann@corp.example"))
        #expect(RelaySender(named: "user ann") == .user("ann"))
        #expect(RelaySender(named: "mail-from Reports@Shop.Example") == .mailFrom("reports@shop.example"))
        #expect(RelaySender(named: "mail-from <>") == .mailFrom(""))
        #expect(RelaySender(named: "<>") == .mailFrom(""))
        #expect(RelaySender(named: "reports@shop.example") == .mailFrom("reports@shop.example"))
        #expect(RelaySender(named: "ann") == .user("ann"))
        #expect(RelaySender(named: "username") == .user("username"), "no space: not the listed form")
    }

    /// Every sender reads back from what it prints.
    @Test func theDescriptionNamesTheSenderAgain() {
        for sender in [RelaySender.user("ann"), .user("ann@corp.example"), .user("user x"), .mailFrom("a@b.example"), .mailFrom("")] {
            #expect(RelaySender(named: sender.description) == sender, "\(sender)")
        }
    }
}
