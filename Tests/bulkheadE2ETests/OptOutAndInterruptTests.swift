import BulkheadStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 7 through the CLI: an opt-out between a deferral and its retry holds (item 2); Ctrl-C during
/// `campaign send` pauses cleanly (item 6); an upstream outage burns no attempts (item 8).
@Suite("End to end: opt-outs at send time, Ctrl-C, upstream outages", .serialized)
struct OptOutAndInterruptTests {
    /// The review's reproduction: deferred, then unsubscribed and suppressed, then `serve --once`.
    @Test("a recipient who opts out after a deferral is never mailed by the retry", arguments: Backend.allCases)
    func optOutBetweenDeferralAndRetry(_ backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let deferFile = workspace.root.appendingPathComponent("greylisting").path
        #expect(FileManager.default.createFile(atPath: deferFile, contents: Data()))
        let sink = try await RecordingSink(in: workspace.root, deferWhileExists: deferFile)
        do {
            _ = try await workspace.generateDKIMKey()
            try workspace.writeConfiguration(
                SendSettings(
                    upstreamPort: sink.port, concurrency: 2, batchSize: 5, dkim: true,
                    retryBaseSeconds: 1))
            let addresses = try await workspace.populate(list: "news", count: 4)
            let id = try await workspace.createCampaign(list: "news")
            let first = try await workspace.bulkhead(["campaign", "send", "\(id)", "--json"])
            #expect(first.stdout.contains("waiting-for-retries"), "\(first.stdout)")
            #expect(sink.count() == 0)

            // Meanwhile: one person leaves the list by phone, another is suppressed (a complaint, say).
            try await workspace.bulkhead(["subscribers", "unsubscribe", addresses[1], "--list", "news", "--source", "phone call"])
            try await workspace.bulkhead(["suppression", "add", addresses[2].uppercased(), "--reason", "complaint"])
            try FileManager.default.removeItem(atPath: deferFile)
            try await Task.sleep(for: .milliseconds(1_200))
            try await workspace.bulkhead(["serve", "--once"])

            let received = try sink.records().flatMap(\.rcpts)
            #expect(received.sorted() == [addresses[0], addresses[3]], "only the two who did not opt out")
            let ledger = Dictionary(uniqueKeysWithValues: try await workspace.ledger(id).map { ($0.address.value, $0) })
            #expect(ledger[addresses[1]]?.state == .suppressed)
            #expect(ledger[addresses[1]]?.lastReply?.text == "list membership is unsubscribed")
            #expect(ledger[addresses[2]]?.state == .suppressed)
            #expect(ledger[addresses[2]]?.lastReply?.text == "suppressed: complaint")
            #expect(try await workspace.campaign(id).state == .sent)
            let show = try await workspace.bulkhead(["campaign", "show", "\(id)"])
            #expect(show.stdout.contains("sent 2, deferred 0, failed 0, uncertain 0, suppressed 2"), "\(show.stdout)")
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }

    /// Ctrl-C in the middle of a send: messages in flight finish, nothing is left `sending` or
    /// `uncertain`, the campaign is paused (reason `interrupted`), exit 130; `resume` sends the rest once.
    @Test func ctrlCPausesTheCampaignAndLosesNothing() async throws {
        let workspace = try await Workspace(.sqlite)
        let sink = try await RecordingSink(in: workspace.root, delay: .milliseconds(20))
        do {
            _ = try await workspace.generateDKIMKey()
            try workspace.writeConfiguration(SendSettings(upstreamPort: sink.port, concurrency: 4, batchSize: 20, maxConnections: 4, dkim: true))
            let addresses = try await workspace.populate(list: "news", count: 400)
            let id = try await workspace.createCampaign(list: "news")
            let sender = try workspace.start(["campaign", "send", "\(id)"])
            let deadline = ContinuousClock.now + .seconds(60)
            while sink.count() < 20 && sender.isRunning && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            sender.signal(SIGINT)
            let interrupted = try await sender.finish(timeout: .seconds(10))
            #expect(interrupted.status == 130, "\(interrupted.summary)")
            #expect(interrupted.stderr.contains("bulkhead campaign resume \(id)"), "\(interrupted.stderr)")
            let campaign = try await workspace.campaign(id)
            #expect(campaign.state == .paused)
            let ledger = try await workspace.ledger(id)
            let states = Dictionary(grouping: ledger, by: \.state).mapValues(\.count)
            #expect(states[.sending] == nil && states[.uncertain] == nil, "nothing left in flight or uncertain: \(states)")
            #expect((states[.sent] ?? 0) == sink.count(), "every message the sink got is sent in the ledger")
            #expect((states[.sent] ?? 0) < 400, "the interrupt came before the end")
            let events = try await workspace.withStore { try await $0.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)")) }
            #expect(events.contains { $0.event.details["reason"] == .string("interrupted") && $0.event.details["to"] == .string("paused") })

            try await workspace.bulkhead(["campaign", "resume", "\(id)"])
            let received = try sink.records().flatMap(\.rcpts)
            #expect(received.count == 400 && Set(received) == Set(addresses), "everyone exactly once")
            #expect(try await workspace.campaign(id).state == .sent)
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }

    /// A relay that refuses connections: the breaker opens and the send ends `upstream-down`, nobody
    /// charged an attempt or failed; once the relay is back, `resume` delivers everything.
    @Test func anUpstreamOutageBurnsNoAttempts() async throws {
        let workspace = try await Workspace(.sqlite)
        do {
            _ = try await workspace.generateDKIMKey()
            let closedPort = try Loopback.freePort()
            var settings = SendSettings(upstreamPort: closedPort, concurrency: 4, batchSize: 5, dkim: true, retryBaseSeconds: 1)
            settings.breaker = "{failures: 2, open_seconds: 1, max_open_seconds: 2}"
            try workspace.writeConfiguration(settings)
            let addresses = try await workspace.populate(list: "news", count: 30)
            let id = try await workspace.createCampaign(list: "news")
            // With the old rule (an attempt per refused connection, 5 at most) every recipient would fail.
            let down = try await workspace.bulkhead(["campaign", "send", "\(id)"])
            #expect(down.stdout.contains("campaign \(id): the upstream cannot be reached (its circuit breaker is open)"), "\(down.stdout)")
            // `serve` passes meanwhile change nothing either.
            try await workspace.bulkhead(["serve", "--once"])
            let ledger = try await workspace.ledger(id)
            #expect(
                ledger.allSatisfy { $0.state == .queued && $0.attempts == 0 },
                "no attempt charged: \(Dictionary(grouping: ledger, by: \.state).mapValues(\.count))")
            #expect(ledger.contains { $0.lastReply?.text.contains("could not connect") == true }, "the reason is in the ledger")
            #expect(try await workspace.campaign(id).state == .sending)

            let sink = try await RecordingSink(in: workspace.root)
            settings.upstreamPort = sink.port
            try workspace.writeConfiguration(settings)
            try await workspace.bulkhead(["campaign", "resume", "\(id)"])
            #expect(Set(try sink.records().flatMap(\.rcpts)) == Set(addresses))
            #expect(try await workspace.ledger(id).allSatisfy { $0.state == .sent && $0.attempts == 1 })
            await sink.stop()
            await workspace.discard()
        } catch {
            await workspace.discard()
            throw error
        }
    }

    /// Item 8: failed recipients can be queued again (by reply code), and opt-outs still hold for them.
    @Test func retryFailedSendsTheFailedOnesOnceAndHonoursOptOuts() async throws {
        let workspace = try await Workspace(.sqlite)
        let deferFile = workspace.root.appendingPathComponent("greylisting").path
        #expect(FileManager.default.createFile(atPath: deferFile, contents: Data()))
        let sink = try await RecordingSink(in: workspace.root, deferWhileExists: deferFile)
        do {
            _ = try await workspace.generateDKIMKey()
            var settings = SendSettings(upstreamPort: sink.port, concurrency: 2, batchSize: 5, dkim: true)
            settings.maxAttempts = 1
            try workspace.writeConfiguration(settings)
            let addresses = try await workspace.populate(list: "news", count: 5)
            let id = try await workspace.createCampaign(list: "news")
            try await workspace.bulkhead(["campaign", "send", "\(id)"])
            #expect(try await workspace.ledger(id).allSatisfy { $0.state == .failed && $0.lastReply?.code == 451 })
            #expect(try await workspace.campaign(id).state == .sent)

            try FileManager.default.removeItem(atPath: deferFile)
            try await workspace.bulkhead(["suppression", "add", addresses[4]])
            let none = try await workspace.bulkhead(["campaign", "retry-failed", "\(id)", "--code", "550"])
            #expect(none.stdout == "0 failed recipients with reply code 550 of campaign \(id) queued again\n")
            let retried = try await workspace.bulkhead(["campaign", "retry-failed", "\(id)", "--code", "451"])
            #expect(
                retried.stdout
                    == "5 failed recipients with reply code 451 of campaign \(id) queued again (send them with: bulkhead campaign resume \(id))\n")
            #expect(try await workspace.campaign(id).state == .paused, "a sent campaign is reopened as paused")
            try await workspace.bulkhead(["campaign", "resume", "\(id)"])
            #expect(try sink.records().flatMap(\.rcpts).sorted() == Array(addresses.prefix(4)).sorted(), "each once; the suppressed one never")
            let states = Dictionary(grouping: try await workspace.ledger(id), by: \.state).mapValues(\.count)
            #expect(states == [.sent: 4, .suppressed: 1])
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }
}
