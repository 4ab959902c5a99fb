import BulkheadStore
import Foundation
import Testing

/// Issue 13, faults: an upstream that tempfails half of all RCPTs at random.
@Suite("End to end: faults — an upstream that tempfails 50 % of RCPTs", .serialized)
struct TempfailEndToEndTests {
    static let recipients = 400
    static let maxAttempts = 4

    @Test(
        "451 4.3.0 to a random 50 % of RCPTs, brakes on, max_attempts 4, retries after 0.2–1 s: every entry ends sent or failed, a failed one never arrived, attempts in the ledger = RCPTs the sink saw, no brake paused the campaign"
    )
    func halfOfAllRCPTsTempfail() async throws {
        let workspace = try await Workspace(.sqlite)
        let sink: RecordingSink
        do {
            sink = try await RecordingSink(in: workspace.root, tempfailPercent: 50)
        } catch {
            await workspace.discard()
            throw error
        }
        var serve: ChildProcess?
        do {
            try await run(workspace, sink, &serve)
        } catch {
            if let serve { await stopChild(serve) }
            await sink.stop()
            await workspace.discard()
            throw error
        }
        if let serve { await stopChild(serve) }
        await sink.stop()
        await workspace.discard()
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink, _ serve: inout ChildProcess?) async throws {
        _ = try await workspace.generateDKIMKey()
        var settings = SendSettings(upstreamPort: sink.port, concurrency: 8, batchSize: 10, maxConnections: 8, dkim: true)
        settings.retryBaseSeconds = 0.2
        settings.retryMaxSeconds = 1
        settings.maxAttempts = Self.maxAttempts
        try workspace.writeConfiguration(settings)
        try await workspace.populate(list: "flaky", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "flaky")
        let started = Date().timeIntervalSince1970

        // The first pass; `serve` retries the deferred ones as they come due.
        let send = try await workspace.bulkhead(["campaign", "send", "\(id)", "--json"], timeout: .seconds(120))
        let first = try JSONSerialization.jsonObject(with: Data(send.stdout.utf8)) as? [String: Any]
        let firstEnding = first?["ending"] as? String ?? "?"
        #expect(["waiting-for-retries", "finished"].contains(firstEnding), "\(send.summary)")
        let worker = try workspace.start(["serve", "--interval", "0.2"])
        serve = worker
        try await workspace.waitForCampaign(id, state: .sent, timeout: .seconds(90)) { worker.output.summary }
        let finished = Date().timeIntervalSince1970
        #expect(worker.isRunning)

        let ledger = try await workspace.ledger(id)
        #expect(ledger.count == Self.recipients)
        let records = try sink.records()
        let deferred = try sink.deferredRCPTs()
        var deferrals: [String: Int] = [:]
        for address in deferred { deferrals[address, default: 0] += 1 }
        let check = SinkVersusLedger(records, ledger)
        check.expectNoDuplicatesAndSentArrived("tempfail", allowed: [.sent, .failed])
        for entry in ledger {
            let address = entry.address.value
            let seen = deferrals[address, default: 0] + check.received[address, default: 0]
            #expect(entry.attempts == seen, "\(address): \(entry.attempts) attempts in the ledger, \(seen) RCPTs at the sink")
            switch entry.state {
            case .failed:
                #expect(check.received[address] == nil, "\(address) is failed but arrived")
                #expect(entry.attempts == Self.maxAttempts, "\(address) failed after \(entry.attempts) attempts")
                #expect(entry.lastReply?.code == 451, "\(address): \(String(describing: entry.lastReply))")
            case .sent:
                #expect(check.received[address] == 1)
                #expect(entry.attempts <= Self.maxAttempts)
            default:
                Issue.record("\(address) ended \(entry.state)")
            }
        }
        // Deferrals are not rejections: no brake paused the campaign.
        let pauses = try await workspace.withStore { store in
            try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)", action: "campaign.transition"))
        }.filter { $0.event.details["to"] == .string("paused") }
        #expect(pauses.isEmpty, "paused: \(pauses.map(\.event.details))")
        let failed = check.count(.failed)
        // 0.5^4 = 6.25 % expected to fail: a wide band around 25 of 400 (the sink's coin is not seeded).
        #expect((4...60).contains(failed), "\(failed) failed")
        let histogram = Dictionary(grouping: ledger, by: \.attempts).mapValues(\.count).sorted { $0.key < $1.key }
        print(
            """
            FIGURE tempfail: \(Self.recipients) recipients, 451 to 50 % of RCPTs at random, max_attempts \(Self.maxAttempts), retry 0.2–1 s; \
            sent \(check.count(.sent)), failed \(failed) (expected 6.25 % = \(Self.recipients / 16)); RCPTs at the sink \(deferred.count + records.count) \
            (\(deferred.count) deferred) = attempts in the ledger \(ledger.reduce(0) { $0 + $1.attempts }); attempts per entry \(histogram); \
            the send's own run ended \(firstEnding), serve retried the rest; done in \(seconds(finished - started)); brake pauses \(pauses.count)
            """)
    }
}
