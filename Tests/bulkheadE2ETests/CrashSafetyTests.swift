import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGKILL the sending process at random moments, restart it, and check that nobody got two copies.
@Suite("End to end: crash safety (SIGKILL during a 20,000-recipient send)", .serialized)
struct CrashSafetyEndToEndTests {
    static let recipients = 20_000
    static let concurrency = 16
    static let batchSize = 5
    static let kills = 4

    @Test(
        "SIGKILL 4 times at seeded random moments, restart each time: zero duplicates, every recipient sent or uncertain, every sent one received, uncertain ≤ concurrency per kill (the in-flight journal)",
        arguments: Backend.allCases)
    func killAndRestart(_ backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root)
        do {
            try await run(workspace, sink, seed: backend == .sqlite ? 0x5EED_0001 : 0x5EED_0002)
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink, seed: UInt64) async throws {
        // Signed like real campaign mail (the preflight refuses unsigned mail to a real upstream).
        _ = try await workspace.generateDKIMKey()
        try workspace.writeConfiguration(
            SendSettings(
                upstreamPort: sink.port, concurrency: Self.concurrency, batchSize: Self.batchSize,
                maxConnections: Self.concurrency, dkim: true))
        let addresses = try await workspace.populate(list: "crash", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "crash")
        let campaignID = CampaignID(rawValue: id)
        var random = SeededGenerator(seed: seed)
        let inFlightBound = Self.concurrency * Self.batchSize
        var kills = 0
        var leftSending: [Int] = []
        var runs = 0

        while true {
            // A killed run may have died before the campaign left `draft`: start it the way a person would.
            let state = try await workspace.campaign(id).state
            let command = state == .draft ? "send" : "resume"
            let sender = try workspace.start(["campaign", command, "\(id)", "--json"])
            runs += 1
            if kills < Self.kills {
                // Let it get going (the first run also queues 20,000 recipients), then kill at a random moment.
                let before = sink.count()
                let deadline = ContinuousClock.now + .seconds(60)
                while sender.isRunning && sink.count() == before && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let delay = Double.random(in: 0.3...2.0, using: &random)
                try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                if sender.isRunning {
                    sender.signal(SIGKILL)
                    let reaped = try await sender.wait(timeout: .seconds(10))
                    try #require(reaped != nil, "the killed sender was not reaped")
                    kills += 1
                    // What the dead process left in flight: `sending` entries, bounded by the claims it held.
                    let counts = try await workspace.withStore { try await $0.ledgerCounts(campaign: campaignID) }
                    leftSending.append(counts[.sending])
                    continue
                }
            }
            let result = try await sender.finish(timeout: .seconds(240))
            try #require(result.status == 0, "run \(runs) (campaign \(command)) failed: \(result.summary)")
            break
        }

        // The kill schedule really interrupted the send (else the test proves nothing).
        #expect(kills == Self.kills, "seed \(seed): only \(kills) kills before the campaign finished")
        for (index, count) in leftSending.enumerated() {
            #expect(count <= inFlightBound, "kill \(index + 1) left \(count) entries sending; bound \(inFlightBound)")
        }

        let records = try sink.records()
        // Each message had exactly one envelope recipient, and its To: names only that recipient.
        for record in records {
            #expect(record.rcpts.count == 1, "message with RCPTs \(record.rcpts)")
            #expect(record.to.count == 1 && record.to[0].contains("<\(record.rcpts.first ?? "?")>"), "To \(record.to) for \(record.rcpts)")
        }
        // Zero recipients received two copies.
        var received: [String: Int] = [:]
        for record in records { for rcpt in record.rcpts { received[rcpt, default: 0] += 1 } }
        let duplicates = received.filter { $0.value > 1 }
        #expect(duplicates.isEmpty, "seed \(seed): recipients with more than one copy: \(duplicates.prefix(20))")

        let ledger = try await workspace.ledger(id)
        #expect(ledger.count == Self.recipients)
        #expect(Set(ledger.map(\.address.value)) == Set(addresses))
        let byState = Dictionary(grouping: ledger, by: \.state)
        // Every recipient is sent or uncertain; none forgotten, none left queued or in flight.
        #expect(Set(byState.keys).isSubset(of: [.sent, .uncertain]), "states: \(byState.mapValues(\.count))")
        // Every `sent` one really arrived; everything that arrived is sent or uncertain (never queued again).
        let missing = (byState[.sent] ?? []).filter { received[$0.address.value] == nil }
        #expect(missing.isEmpty, "\(missing.count) entries are sent but never arrived, e.g. \(missing.prefix(5).map(\.address.value))")
        #expect(Set(received.keys).isSubset(of: Set(addresses)), "the sink received mail for addresses outside the list")
        // Uncertain entries come only from kills. Without the in-flight journal every entry a killed run
        // held `sending` would be uncertain (the batch rule: ≤ concurrency × batch size per kill); with
        // it, only the messages truly in flight are (≤ concurrency per kill).
        let uncertain = byState[.uncertain]?.count ?? 0
        print(
            "crash safety (\(workspace.backend)): entries left sending per kill \(leftSending) = \(leftSending.reduce(0, +)) uncertain by the batch rule; uncertain after journal recovery: \(uncertain) (\(String(format: "%.1f", Double(uncertain) / Double(max(1, kills)))) per kill, bound \(Self.concurrency))"
        )
        #expect(uncertain <= kills * Self.concurrency, "\(uncertain) uncertain after \(kills) kills; bound \(kills * Self.concurrency)")
        #expect(uncertain <= leftSending.reduce(0, +), "uncertain \(uncertain) > entries left sending by the killed runs \(leftSending)")
        #expect(try await workspace.campaign(id).state == .sent)
    }
}
