import BulkheadStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 13, faults: the PostgreSQL server is stopped hard in the middle of a send by `bulkhead serve`
/// workers, and started again.
@Suite("End to end: faults — PostgreSQL stopped hard mid-send", .serialized)
struct PostgresOutageEndToEndTests {
    static let recipients = 3_000
    static let workers = 2
    static let concurrency = 4
    static let batchSize = 5
    static let outage: Duration = .seconds(4)

    @Test(
        "pg_ctl -m immediate stop mid-send by two `bulkhead serve` workers, started again 4 s later: the workers wait and reconnect (neither exits), zero duplicates at the sink, every sent entry arrived, the campaign finishes"
    )
    func postgresStoppedHardAndStartedAgain() async throws {
        let server = try await ThrowawayPostgres()
        let workspace: Workspace
        do {
            workspace = try await Workspace(.postgres, postgresServer: server.url)
        } catch {
            await server.discard()
            throw error
        }
        let sink: RecordingSink
        do {
            sink = try await RecordingSink(in: workspace.root, delay: .milliseconds(10))
        } catch {
            await workspace.discard()
            await server.discard()
            throw error
        }
        var workers: [ChildProcess] = []
        do {
            try await run(workspace, sink, server, &workers)
        } catch {
            for worker in workers { await stopChild(worker) }
            await sink.stop()
            await workspace.discard()
            await server.discard()
            throw error
        }
        for worker in workers { await stopChild(worker) }
        await sink.stop()
        await workspace.discard()
        await server.discard()
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink, _ server: ThrowawayPostgres, _ workers: inout [ChildProcess]) async throws {
        _ = try await workspace.generateDKIMKey()
        try workspace.writeConfiguration(
            SendSettings(
                upstreamPort: sink.port, concurrency: Self.concurrency, batchSize: Self.batchSize,
                maxConnections: Self.concurrency * Self.workers, dkim: true))
        try await workspace.populate(list: "outage", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "outage")
        try await workspace.scheduleNow(id)
        for _ in 0..<Self.workers { workers.append(try workspace.start(["serve", "--interval", "0.5"])) }
        let all = workers
        let why = { all.map { "\($0.name): \($0.output.summary.suffix(1500))" }.joined(separator: "\n") }

        // Stop the server hard once delivery is well under way (a fifth of the audience arrived).
        let deadline = ContinuousClock.now + .seconds(120)
        while sink.count() < Self.recipients / 5 && ContinuousClock.now < deadline && workers.allSatisfy(\.isRunning) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(sink.count() >= Self.recipients / 5 && workers.allSatisfy(\.isRunning), "the send did not get going: \(why())")
        let stoppedAt = Date().timeIntervalSince1970
        try await server.stopImmediately()
        let atStop = sink.count()
        try await Task.sleep(for: Self.outage)
        let duringOutage = sink.count() - atStop
        let runningDuringOutage = workers.allSatisfy(\.isRunning)
        #expect(runningDuringOutage, "a worker exited while PostgreSQL was down: \(why())")
        try await server.start()
        let startedAt = Date().timeIntervalSince1970

        try await workspace.waitForCampaign(id, state: .sent, timeout: .seconds(120)) { why() + "\nserver log:\n" + server.log.suffix(2000) }
        let finishedAt = Date().timeIntervalSince1970
        // Waited and reconnected: neither worker exited, before or after the outage.
        let runningAfter = workers.allSatisfy(\.isRunning)
        #expect(runningAfter, "a worker exited: \(why())")

        let records = try sink.records()
        let ledger = try await workspace.ledger(id)
        #expect(ledger.count == Self.recipients)
        let check = SinkVersusLedger(records, ledger)
        check.expectNoDuplicatesAndSentArrived("postgres outage")
        let firstAfter = records.map(\.t_mail).filter { $0 > startedAt }.min()
        #expect(firstAfter != nil, "nothing was sent after PostgreSQL came back")
        // In flight at the stop: at most what the workers held then (the in-flight journal narrows it).
        let uncertain = check.count(.uncertain)
        #expect(uncertain <= Self.workers * Self.concurrency * Self.batchSize, "\(uncertain) uncertain")
        let failures = workers.map {
            $0.output.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("bulkhead serve:") && !$0.contains("data in") }
        }
        let errors = failures.map(\.count)
        let firstFailure = failures.joined().first.map { String($0.prefix(240)) } ?? "none"
        print(
            """
            FIGURE postgres-outage: \(Self.recipients) recipients, \(Self.workers) serve workers × \(Self.concurrency); \
            stopped (immediate) after \(atStop) arrived, down \(seconds(startedAt - stoppedAt)); \(duringOutage) arrived while down \
            (messages already in flight); first message \(firstAfter.map { seconds($0 - startedAt) } ?? "never") after the restart; \
            finished \(seconds(finishedAt - startedAt)) after it; sent \(check.count(.sent)), uncertain \(uncertain), \
            duplicates \(check.received.values.filter { $0 > 1 }.count); failed passes logged per worker \(errors) (first: \(firstFailure))
            """)
    }
}
