import BulkheadPolicy
import BulkheadSMTP
import BulkheadStore
import Foundation
import Synchronization
import Testing

@testable import BulkheadEngine

/// Staged sending through the real runner and a real SQLite store on a ``ManualClock``: the canary wave
/// first, its hold while the brakes judge, then the rest; a brake pausing the campaign in its canary.
@Suite struct StagedSendingRunnerTests {
    typealias Runner = CampaignRunnerTests

    /// `recipients` members, one seed address that is no member, queued and launched with `canary`.
    static func launched(_ recipients: Int, canary: CanaryRule) async throws -> (Runner.Setup, Campaign) {
        let base = try await Runner.setUp(recipients: recipients, sending: false)
        try await base.store.addSeeds([try NormalizedAddress("seed@shop.example")], list: base.campaign.content.listID, actor: .human("ann"))
        let launch = CampaignLaunch(store: base.store, canary: canary, holdSeconds: 600, brakes: nil, clock: base.clock)
        let campaign = try await launch.launch(base.campaign.id, actor: .human("ann"))
        return (base, campaign)
    }

    static func settings(concurrency: Int = 2, batchSize: Int = 5, wait: Bool = true) -> DeliverySettings {
        var settings = DeliverySettings(concurrency: concurrency, batchSize: batchSize)
        settings.canaryHoldSeconds = 600
        settings.waitsThroughCanaryHold = wait
        return settings
    }

    /// Polls the store (real time, at most 60 s) until the campaign is in `state`.
    static func waitForState(_ setup: Runner.Setup, _ state: CampaignState) async throws -> Campaign {
        let end = ContinuousClock.now.advanced(by: .seconds(60))
        while ContinuousClock.now < end {
            if let campaign = try await setup.store.campaign(id: setup.campaign.id), campaign.state == state { return campaign }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw StoreError.invalidData("the campaign never reached \(state.rawValue)")
    }

    /// The addresses of the canary wave.
    static func canaryAddresses(_ setup: Runner.Setup) async throws -> Set<String> {
        Set(
            try await setup.store.ledgerPage(LedgerQuery(campaignID: setup.campaign.id, limit: 100_000)).filter { $0.wave == .canary }.map(
                \.address.value))
    }

    @Test func theCanaryGoesFirstThenTheHoldThenTheRest() async throws {
        let (setup, campaign) = try await Self.launched(300, canary: CanaryRule(percent: 10, min: 20, max: 1_000))
        #expect(campaign.state == .canary)
        let canary = try await Self.canaryAddresses(setup)
        #expect(canary.count == 31 && canary.contains("seed@shop.example"), "30 sampled and the seed")
        let transport = Runner.ScriptedTransport(delay: .zero) { _ in .sent(Runner.reply(250, "ok")) }
        let runner = try await Runner.runner(setup, transport: transport, settings: Self.settings())
        let running = Task { try await runner.run() }

        let holding = try await Self.waitForState(setup, .canaryHold)
        #expect(holding.stateDeadline == setup.clock.date.addingTimeInterval(600))
        let first = transport.log.withLock { $0.map(\.0) }
        #expect(Set(first) == canary, "the canary wave, and only it, before the hold")
        // Just short of the deadline nothing moves (the hold sleeps at most a poll at a time).
        for _ in 0..<10 { setup.clock.advance(by: .seconds(59)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await setup.store.campaign(id: setup.campaign.id)?.state == .canaryHold)
        #expect(transport.log.withLock { $0.count } == 31)
        // The deadline: the rest goes.
        while try await setup.store.campaign(id: setup.campaign.id)?.state == .canaryHold {
            setup.clock.advance(by: .seconds(1))
            try await Task.sleep(for: .milliseconds(2))
        }
        let summary = try await running.value
        #expect(summary.ending == .finished)
        #expect(summary.progress.sent == 301, "one run, all stages")
        #expect(try await setup.store.campaign(id: setup.campaign.id)?.state == .sent)
        #expect(Set(transport.log.withLock { $0.map(\.0) }).count == 301, "nobody twice")
        let moves = try await setup.store.auditEvents(
            AuditQuery(subjectKind: "campaign", subjectID: "\(setup.campaign.id.rawValue)", action: "campaign.transition"))
        #expect(moves.map { $0.event.details["to"] } == ["canary", "canary-hold", "sending", "sent"])
        #expect(moves[2].event.details["reason"] == "hold over")
    }

    @Test func promoteEndsTheHoldAtOnce() async throws {
        let (setup, _) = try await Self.launched(250, canary: CanaryRule(percent: 10, min: 20, max: 1_000))
        let transport = Runner.ScriptedTransport(delay: .zero) { _ in .sent(Runner.reply(250, "ok")) }
        let runner = try await Runner.runner(setup, transport: transport, settings: Self.settings())
        let running = Task { try await runner.run() }
        _ = try await Self.waitForState(setup, .canaryHold)
        let launch = CampaignLaunch(store: setup.store, canary: CanaryRule(), holdSeconds: 600, brakes: nil, clock: setup.clock)
        await #expect(throws: StoreError.self) { try await launch.promote(CampaignID(rawValue: 999), actor: .human("ann")) }
        #expect(try await launch.promote(setup.campaign.id, actor: .human("ann")).state == .sending)
        // The run notices at its next look (a poll): move the clock a poll at a time.
        let done = Mutex(false)
        let finished = Task {
            defer { done.withLock { $0 = true } }
            return try await running.value
        }
        while !done.withLock({ $0 }) {
            setup.clock.advance(by: .milliseconds(200))
            try await Task.sleep(for: .milliseconds(2))
        }
        let summary = try await finished.value
        #expect(summary.ending == .finished && summary.progress.sent == 251)
        #expect(setup.clock.date < (try #require(try await setup.store.campaign(id: setup.campaign.id))).createdAt.addingTimeInterval(600))
        let promoted = try await setup.store.auditEvents(
            AuditQuery(subjectKind: "campaign", subjectID: "\(setup.campaign.id.rawValue)", action: "campaign.transition")
        ).first { $0.event.details["to"] == "sending" }
        #expect(promoted?.event.actor == .human("ann") && promoted?.event.details["reason"] == "promoted")
    }

    @Test func aBrakePausesTheCampaignInItsCanary() async throws {
        let (setup, _) = try await Self.launched(200, canary: CanaryRule(percent: 50, min: 100, max: 1_000))
        let canary = try await Self.canaryAddresses(setup)
        #expect(canary.count == 101)
        // 30 % of recipients are unknown (550 5.1.1 at RCPT); the rest accepted.
        let transport = Runner.ScriptedTransport(delay: .zero) { envelope in
            guard envelope.recipient.hasPrefix("person") else { return .sent(Runner.reply(250, "ok")) }  // the alert
            let number = Int(envelope.recipient.dropFirst("person".count).prefix { $0.isNumber }) ?? 0
            return number % 10 < 3 ? .failed(Runner.reply(550, "5.1.1 no such user"), hardBounce: true) : .sent(Runner.reply(250, "ok"))
        }
        var settings = Self.settings(concurrency: 3, batchSize: 5)
        settings.alertEmail = "ops@shop.example"
        let summary = try await Runner.runner(setup, transport: transport, settings: settings).run()
        // The brake's alert is mailed to alerts.email once, through the campaign's transport (its text is
        // checked by the CLI test of the emergency stop's alert, which reads the capture mailbox).
        #expect(transport.log.withLock { $0.filter { $0.0 == "ops@shop.example" }.count } == 1)

        #expect(summary.ending == .paused && summary.pauseReason == "brake:rejection")
        let campaign = try #require(try await setup.store.campaign(id: setup.campaign.id))
        #expect(campaign.state == .paused && campaign.pauseReason == "brake:rejection" && campaign.pausedFrom == .canary)
        let attempted = transport.log.withLock { $0.map(\.0) }.filter { $0 != "ops@shop.example" }
        #expect(attempted.count <= canary.count + settings.concurrency * settings.batchSize)
        #expect(Set(attempted).isSubset(of: canary), "nothing beyond the canary went out")
        #expect(try await setup.store.ledgerCounts(campaign: setup.campaign.id, wave: .rest)[.queued] == 100)
        let pause = try #require(
            try await setup.store.auditEvents(
                AuditQuery(subjectKind: "campaign", subjectID: "\(setup.campaign.id.rawValue)", action: "campaign.transition")
            ).last)
        #expect(pause.event.actor == .system && pause.event.details["to"] == "paused" && pause.event.details["reason"] == "brake:rejection")
        #expect(pause.event.details["metric"] == "rejection" && pause.event.details["threshold_percent"] == .number(20))
        guard case .number(let events) = pause.event.details["events"], case .number(let outcomes) = pause.event.details["outcomes"] else {
            Issue.record("the pause carries its figures")
            return
        }
        #expect(outcomes >= 100 && events / outcomes >= 0.2)

        // Resuming judges what comes next: the old rejections no longer count.
        let launch = CampaignLaunch(store: setup.store, canary: CanaryRule(), holdSeconds: 600, brakes: nil, clock: setup.clock)
        #expect(try await launch.resume(setup.campaign.id, actor: .human("ann")).state == .canary)
        #expect(try await setup.store.brakeWindow(campaign: setup.campaign.id, size: 500).outcomes == 0)
    }

    @Test func serveModeEndsAtTheHoldAndALaterLookGoesOn() async throws {
        let (setup, _) = try await Self.launched(200, canary: CanaryRule(percent: 10, min: 20, max: 1_000))
        let transport = Runner.ScriptedTransport(delay: .zero) { _ in .sent(Runner.reply(250, "ok")) }
        let first = try await Runner.runner(setup, transport: transport, settings: Self.settings(wait: false)).run()
        #expect(first.ending == .canaryHold && first.progress.sent == 21)
        let deadline = try #require(first.nextRetryAt)
        #expect(deadline == setup.clock.date.addingTimeInterval(600))
        let brakes = CampaignBrakes(store: setup.store, rules: BrakeRules())
        let launch = CampaignLaunch(store: setup.store, canary: CanaryRule(), holdSeconds: 600, brakes: brakes, clock: setup.clock)
        // A crash here changes nothing: the deadline is in the store.
        #expect(try await launch.advanceHold(setup.campaign.id).state == .canaryHold)
        let again = try await Runner.runner(setup, transport: transport, settings: Self.settings(wait: false)).run()
        #expect(again.ending == .canaryHold && again.progress.done == 0)
        setup.clock.advance(by: .seconds(600))
        #expect(try await launch.advanceHold(setup.campaign.id).state == .sending)
        let rest = try await Runner.runner(setup, transport: transport, settings: Self.settings(wait: false)).run()
        #expect(rest.ending == .finished && rest.progress.sent == 180)
    }

    @Test(arguments: [
        (DeliveryDetail.reply(.rcpt, SMTPReply(code: 550, lines: ["5.1.1 unknown"])), true),
        (.reply(.endOfData, SMTPReply(code: 554, lines: ["5.7.1 refused"])), true),
        (.reply(.data, SMTPReply(code: 552, lines: ["too big"])), true),
        (.reply(.rcpt, SMTPReply(code: 450, lines: ["4.2.0 later"])), false),
        (.reply(.mail, SMTPReply(code: 553, lines: ["sender refused"])), false),
        (.reply(.greeting, SMTPReply(code: 554, lines: ["no service"])), false),
        (.note("connection refused"), false),
    ])
    func onlyPermanentRejectionsAtRcptOrDataFeedTheRejectionBrake(_ detail: DeliveryDetail, _ counts: Bool) {
        #expect(CampaignRunner.isRejection(detail) == counts)
    }
}
