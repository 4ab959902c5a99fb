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
