import BulkheadPolicy
import Testing

/// The per-sender circuit breaker (pure, on injected instants): limits from N up, a sliding window,
/// a trip reported once, open until a person closes it, bounded memory.
@Suite struct SenderBreakerTests {
    typealias Breaker = SenderBreaker<ContinuousClock.Instant>

    let t0 = ContinuousClock.now
    let ann = RelaySender.user("ann")

    func at(_ seconds: Int) -> ContinuousClock.Instant { t0.advanced(by: .seconds(seconds)) }

    /// Records `count` one-recipient messages from `sender` at `instant`, each to `to`.
    func send(_ count: Int, _ breaker: inout Breaker, from sender: RelaySender? = nil, to: String = "c1@customer.test", at instant: Int = 0)
        -> [Breaker.Decision]
    {
        (0..<count).map { _ in breaker.record(sender: sender ?? ann, recipients: [to], at: at(instant)) }
    }

    @Test func theDefaultsAre30MessagesOr100RecipientsIn10Minutes() {
        #expect(SenderBreakerLimits() == SenderBreakerLimits(messages: 30, distinctRecipients: 100, window: .seconds(600)))
    }

    @Test func the30thMessageTripsItOnceAndLaterOnesFindItOpen() {
        var breaker = Breaker()
        #expect(send(29, &breaker) == Array(repeating: .pass, count: 29))
        #expect(breaker.volume(of: ann, at: at(0)) == SenderVolume(messages: 29, distinctRecipients: 1))
        #expect(breaker.openSenders.isEmpty)
        #expect(send(1, &breaker) == [.tripped])
        #expect(send(100, &breaker, at: 10_000) == Array(repeating: .open, count: 100), "open until a person closes it")
        #expect(breaker.openSenders == [ann])
        #expect(breaker.volume(of: ann, at: at(0)) == SenderVolume(), "counts are dropped at the trip")
        #expect(send(1, &breaker, from: .user("bob")) == [.pass], "other senders are not affected")
    }

    @Test func the100thDistinctRecipientTripsIt() {
        var breaker = Breaker()
        let recipients = (1...100).map { "c\($0)@customer.test" }
        #expect(breaker.record(sender: ann, recipients: recipients[..<50], at: at(0)) == .pass)
        // The same addresses again, the domain spelt otherwise: not new recipients.
        let respelt = recipients[..<50].map { String($0.prefix { $0 != "@" }) + "@Customer.TEST" }
        #expect(breaker.record(sender: ann, recipients: respelt, at: at(1)) == .pass)
        #expect(breaker.record(sender: ann, recipients: recipients[50..<99], at: at(2)) == .pass)
        #expect(breaker.volume(of: ann, at: at(2)) == SenderVolume(messages: 3, distinctRecipients: 99))
        #expect(breaker.record(sender: ann, recipients: recipients[99...], at: at(3)) == .tripped)
        var single = Breaker()
        #expect(single.record(sender: ann, recipients: recipients[..<99], at: at(0)) == .pass)
        var all = Breaker()
        #expect(all.record(sender: ann, recipients: recipients, at: at(0)) == .tripped)
    }

    @Test func theWindowSlidesAfterTenMinutes() {
        var breaker = Breaker()
        #expect(send(29, &breaker, at: 0) == Array(repeating: .pass, count: 29))
        var justBefore = breaker
        #expect(send(1, &justBefore, at: 599) == [.tripped], "the window is (now − 10 min, now]")
        #expect(send(1, &breaker, at: 600) == [.pass], "the first 29 left the window")
        #expect(breaker.volume(of: ann, at: at(600)) == SenderVolume(messages: 1, distinctRecipients: 1))
        let recipients = (1...99).map { "c\($0)@customer.test" }
        var wide = Breaker()
        #expect(wide.record(sender: ann, recipients: recipients, at: at(0)) == .pass)
        var wideBefore = wide
        #expect(wideBefore.record(sender: ann, recipients: ["new@customer.test"], at: at(599)) == .tripped)
        #expect(wide.record(sender: ann, recipients: ["new@customer.test"], at: at(600)) == .pass)
        #expect(wide.volume(of: ann, at: at(600)) == SenderVolume(messages: 1, distinctRecipients: 1))
    }

    @Test func closingResetsTheSender() {
        var breaker = Breaker()
        #expect(send(30, &breaker).last == .tripped)
        let closed = breaker.close(sender: ann)
        let again = breaker.close(sender: ann)
        let never = breaker.close(sender: .user("nobody"))
        #expect(closed && !again && !never, "true only for a breaker that was open")
        #expect(breaker.openSenders.isEmpty)
        #expect(send(29, &breaker, at: 1) == Array(repeating: .pass, count: 29), "counted from nothing")
        #expect(send(2, &breaker, at: 1) == [.tripped, .open], "the next trip is reported again, once")
    }

    @Test func sendersAreCaseNormalised() {
        var breaker = Breaker()
        #expect(send(15, &breaker, from: .mailFrom("Ann@Example.COM")).allSatisfy { $0 == .pass })
        #expect(send(15, &breaker, from: .mailFrom("Ann@example.com")).last == .tripped)
        #expect(breaker.openSenders == [.mailFrom("Ann@example.com")])
        #expect(send(29, &breaker, from: .mailFrom("ann@example.com")).allSatisfy { $0 == .pass }, "the local part is kept as written")
        #expect(send(29, &breaker, from: .user("Ann")).allSatisfy { $0 == .pass })
        #expect(send(29, &breaker, from: .user("ann")).allSatisfy { $0 == .pass })
        #expect(Set(breaker.openSenders) == [.mailFrom("Ann@example.com")])
    }

    @Test func zeroMessagesTurnsTheBreakerOff() {
        var breaker = Breaker(limits: SenderBreakerLimits(messages: 0))
        #expect(send(1_000, &breaker).allSatisfy { $0 == .pass })
        let many = (1...10_000).map { "c\($0)@customer.test" }
        #expect(breaker.record(sender: ann, recipients: many, at: at(0)) == .pass)
        #expect(breaker.trackedSenders == 0 && breaker.openSenders.isEmpty)
    }

    @Test func zeroRecipientsTurnsOffOnlyTheRecipientLimit() {
        var breaker = Breaker(limits: SenderBreakerLimits(messages: 3, distinctRecipients: 0))
        let many = (1...10_000).map { "c\($0)@customer.test" }
        #expect(breaker.record(sender: ann, recipients: many, at: at(0)) == .pass)
        #expect(breaker.volume(of: ann, at: at(0)) == SenderVolume(messages: 1, distinctRecipients: 0), "recipients are not kept")
        #expect(send(2, &breaker) == [.pass, .tripped])
    }

    /// A hostile message to 10,000 recipients trips the breaker and leaves nothing behind.
    @Test func tenThousandRecipientsTripAndKeepNothing() {
        var breaker = Breaker()
        let many = (1...10_000).map { "c\($0)@customer.test" }
        #expect(breaker.record(sender: ann, recipients: many, at: at(0)) == .tripped)
        #expect(breaker.trackedSenders == 0)
        #expect(breaker.openSenders == [ann])
    }

    @Test func idleSendersAreDropped() {
        var breaker = Breaker()
        for index in 0..<1_000 { _ = breaker.record(sender: .user("u\(index)"), recipients: ["c1@customer.test"], at: at(0)) }
        #expect(breaker.trackedSenders == 1_000)
        #expect(send(1, &breaker, at: 300) == [.pass])
        #expect(breaker.trackedSenders == 1_001, "swept at most once per window")
        #expect(send(1, &breaker, from: .user("bob"), at: 600) == [.pass])
        #expect(breaker.trackedSenders == 2, "ann (at 300 s) and bob are left")
        #expect(breaker.volume(of: .user("u1"), at: at(600)) == SenderVolume())
    }

    @Test func aClockThatGoesBackNeverCountsLess() {
        var breaker = Breaker()
        #expect(send(29, &breaker, at: 1_000).allSatisfy { $0 == .pass })
        #expect(send(1, &breaker, at: 0) == [.tripped])
    }
}
