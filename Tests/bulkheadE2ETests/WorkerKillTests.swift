import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One `bulkhead serve` worker on a host of its own: its own UTS namespace (host name) and PID
/// namespace (`unshare --uts --pid --fork --mount-proc`), so that to the other workers it looks like
/// another machine (``WorkerIdentity/machine`` differs): its death is learnt from its lease only.
final class NamespacedWorker: @unchecked Sendable {
    let host: String
    let child: ChildProcess

    init(host: String, in workspace: Workspace, arguments: [String]) throws {
        self.host = host
        let executable = BulkheadBinary.executable
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw E2EError("the bulkhead executable is not built (swift build --build-tests), looked for \(executable.path)")
        }
        let unshare = try RootFacilities.tool(["/usr/bin/unshare", "/bin/unshare"])
        // bulkhead becomes the namespace's first process; --kill-child takes it down if unshare dies.
        child = try ChildProcess(
            name: "bulkhead serve on \(host)", executable: URL(fileURLWithPath: unshare),
            arguments: [
                "--uts", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", "/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", host,
                executable.path,
            ] + arguments,
            directory: workspace.root, logPrefix: workspace.root.appendingPathComponent("worker-\(host)").path)
    }

    /// Ends the worker at once (SIGKILL to unshare, whose --kill-child takes bulkhead with it): the
    /// namespace's first process would ignore a SIGTERM from outside it.
    func stop() async {
        child.signal(SIGKILL)
        _ = try? await child.wait(timeout: .seconds(10))
    }

    /// The bulkhead process's PID as this test sees it (the child of `unshare`), once it runs.
    func bulkheadPID() async throws -> Int32 {
        let pid = child.pid
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8),
                let first = text.split(separator: " ").first, let value = Int32(first),
                let command = try? String(contentsOfFile: "/proc/\(value)/cmdline", encoding: .utf8), command.contains("bulkhead")
            {
                return value
            }
            if !child.isRunning { throw E2EError("\(child.name) exited: \(child.output.summary)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw E2EError("\(child.name): no bulkhead process under unshare \(pid)")
    }
}

/// Issue 13, faults: a worker SIGKILLed while others of other hosts go on.
@Suite("End to end: faults — a worker SIGKILLed while others run", .serialized)
struct WorkerKillEndToEndTests {
    static let recipients = 3_000
    static let concurrency = 4
    static let batchSize = 5
    static let leaseSeconds = 3

    @Test(
        "three `bulkhead serve` workers on three (namespaced) hosts share a PostgreSQL campaign; one is SIGKILLed: another host recovers its claims once its 3 s lease ran out (never before), they become uncertain, zero duplicates, the campaign finishes"
    )
    func killedWorkersClaimsRecoveredAfterItsLease() async throws {
        try RootFacilities.require("workers on hosts of their own (unshare --uts --pid)")
        let workspace = try await Workspace(.postgres)
        let sink: RecordingSink
        do {
            sink = try await RecordingSink(in: workspace.root, delay: .milliseconds(20))
        } catch {
            await workspace.discard()
            throw error
        }
        var workers: [NamespacedWorker] = []
        do {
            try await run(workspace, sink, &workers)
        } catch {
            for worker in workers { await worker.stop() }
            await sink.stop()
            await workspace.discard()
            throw error
        }
        for worker in workers { await worker.stop() }
        await sink.stop()
        await workspace.discard()
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink, _ workers: inout [NamespacedWorker]) async throws {
        _ = try await workspace.generateDKIMKey()
        var settings = SendSettings(
            upstreamPort: sink.port, concurrency: Self.concurrency, batchSize: Self.batchSize, maxConnections: Self.concurrency * 3, dkim: true)
        settings.leaseSeconds = Self.leaseSeconds
        // The notice "entries of a crashed run recovered" tells which host recovered them.
        settings.logLevel = "notice"
        try workspace.writeConfiguration(settings)
        try await workspace.populate(list: "kill", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "kill")
        let campaignID = CampaignID(rawValue: id)
        for host in ["host-a", "host-b", "host-c"] {
            workers.append(try NamespacedWorker(host: host, in: workspace, arguments: ["serve", "--interval", "0.5"]))
        }
        let all = workers
        let why = { all.map { "\($0.child.name): \($0.child.output.summary.suffix(1500))" }.joined(separator: "\n") }
        let victim = workers[0]
        let victimPID = try await victim.bulkheadPID()
        try await workspace.scheduleNow(id)

        // Kill host-a once a fifth has arrived and it holds claims. It is stopped (SIGSTOP) while the
        // store is asked, so that what it holds cannot change between the look and the kill (under load
        // a batch could complete in between, leaving it nothing to recover); resumed when it holds nothing.
        // One store for the whole watch, connected before any stop: a connection made while the
        // victim is stopped waited on the loaded server past its 30 s start-up bound (fresh-clone CI).
        let (held, heldByDead) = try await workspace.withStore { store in
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline, all.allSatisfy(\.child.isRunning) {
                if sink.count() >= Self.recipients / 5 {
                    kill(victimPID, SIGSTOP)
                    let held = try await store.sendingWorkers(campaign: campaignID)
                    if let dead = held.first(where: { $0.worker.hasPrefix("host-a:") }) {
                        // What host-a holds, read while it is stopped: it cannot change before the kill,
                        // and a survivor may recover it as soon as the lease runs out.
                        let entries = try await store.ledgerEntries(campaign: campaignID).reduce(into: 0) {
                            $0 += $1.state == .sending && $1.claimedBy == dead.worker ? 1 : 0
                        }
                        return (held, entries)
                    }
                    kill(victimPID, SIGCONT)
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            return ([SendingWorker](), 0)
        }
        try #require(held.contains(where: { $0.worker.hasPrefix("host-a:") }), "host-a never held claims: \(why())")
        // The hosts are really distinct: each worker's name carries its host, and none is recognised as this machine's.
        let hosts = Set(held.compactMap { $0.lease?.holder.host })
        #expect(hosts.isSubset(of: ["host-a", "host-b", "host-c"]), "\(held)")
        let dead = try #require(held.first { $0.worker.hasPrefix("host-a:") })
        let leaseUntil = try #require(dead.lease?.until, "host-a has no lease: \(dead)")
        kill(victimPID, SIGKILL)
        let killedAt = Date()
        let reaped = try await victim.child.wait(timeout: .seconds(10))
        try #require(reaped != nil, "the killed worker's namespace did not end")

        try await workspace.waitForCampaign(id, state: .sent, timeout: .seconds(120)) { why() }
        let survivorsRunning = workers[1...].allSatisfy(\.child.isRunning)
        #expect(survivorsRunning, "a surviving worker exited: \(why())")

        let events = try await workspace.withStore { store in
            try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)", action: "ledger.recover-interrupted"))
        }
        let recovery = try #require(events.first { $0.event.details["worker"] == .string(dead.worker) }, "no recovery of \(dead.worker): \(events)")
        let recoveredAfter = recovery.at.timeIntervalSince(killedAt)
        let leaseLeft = leaseUntil.timeIntervalSince(killedAt)
        // The lease path: nobody took the dead host's claims before its lease ran out.
        #expect(recovery.at >= leaseUntil, "recovered at \(recovery.at), before the lease ran out at \(leaseUntil)")
        // Survivors look for gone workers at each lease renewal (every third of the lease), not only when a run starts.
        #expect(recovery.at.timeIntervalSince(leaseUntil) <= Double(Self.leaseSeconds) + 2, "recovered only \(recoveredAfter) s after the kill")
        // From another machine the dead worker's journal proves nothing: what it held is uncertain, never re-sent.
        #expect(recovery.event.details["entries"] == .number(Double(heldByDead)), "\(recovery.event.details) vs \(heldByDead) held")
        // Which surviving host recovered them (its notice).
        let recoverers = workers[1...].filter { $0.child.output.stderr.contains("entries of a crashed run recovered") }.map(\.host)
        #expect(!recoverers.isEmpty, "no surviving host logged the recovery: \(why())")

        let records = try sink.records()
        let ledger = try await workspace.ledger(id)
        #expect(ledger.count == Self.recipients)
        let check = SinkVersusLedger(records, ledger)
        check.expectNoDuplicatesAndSentArrived("worker kill")
        // A survivor that stalled past its own lease under load (2 cores) has its claims recovered too: what it
        // then keeps back (never handed over) stays uncertain and says so. Every other uncertain one is the dead host's.
        let keptBack = ledger.filter { $0.state == .uncertain && $0.lastReply?.text.hasPrefix("not sent: kept back by its worker") == true }
        #expect(
            check.count(.uncertain) - keptBack.count == heldByDead,
            "uncertain \(check.count(.uncertain)) (kept back by a stalled survivor \(keptBack.count)), held by the dead worker \(heldByDead)")
        let byHost = Dictionary(grouping: ledger.compactMap { $0.claimedBy?.split(separator: ":").first.map(String.init) }, by: { $0 }).mapValues(
            \.count)
        print(
            """
            FIGURE worker-kill: \(Self.recipients) recipients, 3 serve workers (host-a, host-b, host-c: own UTS+PID namespaces) × \(Self.concurrency), \
            lease_seconds \(Self.leaseSeconds); host-a SIGKILLed holding \(heldByDead) claims; its lease ran out \(seconds(leaseLeft)) after the kill; \
            recovered \(seconds(recoveredAfter)) after the kill (\(seconds(recoveredAfter - leaseLeft)) after the lease ran out) by \(recoverers); \
            uncertain \(check.count(.uncertain)), sent \(check.count(.sent)), duplicates \(check.received.values.filter { $0 > 1 }.count); \
            last claims by host \(byHost)
            """)
    }
}
