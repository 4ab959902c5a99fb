import BulkheadSMTP
import Foundation
import Synchronization
import Testing

@testable import BulkheadEngine
@testable import BulkheadStore

/// Issue 7, items 4, 7 and 8 in the engine: who counts as gone, the in-flight journal, and an upstream
/// outage that must not burn attempts.
@Suite struct CrashRecoveryTests {
    static let me = WorkerIdentity.current()

    static func holder(_ worker: String, machine: String, pid: Int32, expired: Bool = false) -> SendingWorker {
        SendingWorker(
            worker: worker,
            lease: WorkerLease(
                holder: WorkerLease.Holder(worker: worker, host: "h", machine: machine, pid: pid),
                startedAt: Date(), renewedAt: Date(), until: Date()),
            leaseExpired: expired)
    }

    @Test func aWorkerIsGoneByItsLeaseOrByItsProcessOnThisVeryMachine() throws {
        try #require(!WorkerIdentity.machine.isEmpty, "this Linux exposes a boot id and a PID namespace")
        // Same host name on another machine, process id of a live local process: its live lease counts.
        #expect(!Self.me.isGone(Self.holder("other:1:x", machine: "another-boot/pid:[1]", pid: 1)))
        // Same machine, a live process (PID 1 here): not gone until its lease runs out.
        #expect(!Self.me.isGone(Self.holder("here:1:x", machine: WorkerIdentity.machine, pid: 1)))
        #expect(Self.me.isGone(Self.holder("here:1:x", machine: WorkerIdentity.machine, pid: 1, expired: true)))
        // This process's PID with another nonce: a previous run of a restarted container (PID reuse).
        #expect(Self.me.isGone(Self.holder("h:\(getpid()):old", machine: WorkerIdentity.machine, pid: getpid())))
        // Same machine, a PID that no longer exists.
        #expect(Self.me.isGone(Self.holder("h:999999:x", machine: WorkerIdentity.machine, pid: 999_999)))
        // Itself, never.
        #expect(!Self.me.isGone(Self.holder(Self.me.description, machine: WorkerIdentity.machine, pid: getpid(), expired: true)))
        // No lease at all (an older version, or a worker that ended without releasing): gone.
        #expect(Self.me.isGone(SendingWorker(worker: "legacy", lease: nil, leaseExpired: true)))
    }

    @Test func theJournalTellsStartedFinishedAndHandedBackApart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let worker = WorkerIdentity.current()
        let journal = try InFlightJournal(directory: directory, worker: worker)
        func entry(_ id: Int64, attempt: Int = 1) -> LedgerEntry {
            LedgerEntry(
                id: LedgerEntryID(rawValue: id), campaignID: CampaignID(rawValue: 1), address: try! NormalizedAddress("a\(id)@example.com"),
                subscriberID: SubscriberID(rawValue: id), state: .sending, attempts: attempt, nextAttemptAt: nil,
                lastReply: nil, claimedBy: worker.description, updatedAt: Date(), verpToken: "t\(id)")
        }
        journal.began(entry(1))
        journal.ended(entry(1), .sent(SMTPReplyRecord(code: 250, text: "ok")))
        journal.began(entry(2))
        journal.ended(entry(2), .deferred(until: Date(timeIntervalSince1970: 1_900_000_000), SMTPReplyRecord(code: 451, text: "later")))
        journal.began(entry(3, attempt: 2))
        journal.began(entry(4))
        journal.handedBack(entry(4))
        // Handed back (its attempt restored), claimed again in the same run, in flight at the crash:
        // started, whatever the earlier hand-back said (else recovery would queue it again: a duplicate).
        journal.began(entry(5))
        journal.handedBack(entry(5))
        journal.began(entry(5))
        // What a crash leaves: the file as written so far, plus (at worst) a line cut short.
        let handle = try #require(FileHandle(forWritingAtPath: journal.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("E 3 2 S 2".utf8))
        try handle.close()

        let attributes = try FileManager.default.attributesOfItem(atPath: journal.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let evidence = try #require(InFlightJournal.evidence(directory: directory, worker: worker.description))
        #expect(
            evidence.started == [
                EntryAttempt(id: LedgerEntryID(rawValue: 1), attempt: 1),
                EntryAttempt(id: LedgerEntryID(rawValue: 2), attempt: 1),
                EntryAttempt(id: LedgerEntryID(rawValue: 3), attempt: 2),
                EntryAttempt(id: LedgerEntryID(rawValue: 5), attempt: 1),
            ])
        let finished = Dictionary(uniqueKeysWithValues: evidence.finished.map { ($0.entryID.rawValue, $0.result) })
        #expect(finished.count == 2)
        guard case .sent = finished[1], case .deferred(let until, _) = finished[2] else {
            Issue.record("outcomes \(finished)")
            return
        }
        #expect(until == Date(timeIntervalSince1970: 1_900_000_000))

        // A journal from another boot may have lost its tail: it proves nothing.
        let text = try String(contentsOfFile: journal.path, encoding: .utf8)
        try text.replacingOccurrences(of: WorkerIdentity.machine, with: "another-boot").write(toFile: journal.path, atomically: true, encoding: .utf8)
        #expect(InFlightJournal.evidence(directory: directory, worker: worker.description) == nil)
        journal.finish(remove: true)
        #expect(!FileManager.default.fileExists(atPath: journal.path))
    }

    /// 8 tasks writing 2,000 entries each leave every line whole (each entry's B and E read back, none
    /// cut or mixed with another), with the lock and with whatever the temporary directory's file system
    /// allows; a second `finish` still removes the file when asked.
    @Test(arguments: [false, true]) func concurrentSendersLeaveEveryLineWhole(lockWrites: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let worker = WorkerIdentity.current()
        let journal = try InFlightJournal(directory: directory, worker: worker, lockWrites: lockWrites)
        if lockWrites { #expect(!journal.appendsWithoutLock) }
        let senders = 8
        let each = 2_000
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    for index in 0..<each {
                        let id = Int64(sender * each + index + 1)
                        let entry = LedgerEntry(
                            id: LedgerEntryID(rawValue: id), campaignID: CampaignID(rawValue: 1),
                            address: try! NormalizedAddress("a\(id)@example.com"), subscriberID: SubscriberID(rawValue: id), state: .sending,
                            attempts: 1, nextAttemptAt: nil, lastReply: nil, claimedBy: worker.description, updatedAt: Date(), verpToken: "t\(id)")
                        journal.began(entry)
                        // Every other entry ends; the rest stay in flight.
                        if index % 2 == 0 { journal.ended(entry, .sent(SMTPReplyRecord(code: 250, text: "ok"))) }
                    }
                }
            }
        }
        let evidence = try #require(InFlightJournal.evidence(directory: directory, worker: worker.description))
        #expect(evidence.started.count == senders * each)
        #expect(evidence.finished.count == senders * each / 2)
        // The ended ones are the even indexes: odd ids.
        #expect(evidence.finished.allSatisfy { $0.entryID.rawValue % 2 == 1 })
        let lines = try String(contentsOfFile: journal.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + senders * each + senders * each / 2, "a header and one line per write")
        journal.finish(remove: false)
        journal.finish(remove: true)
        #expect(!FileManager.default.fileExists(atPath: journal.path))
    }

    /// Only file systems known to append each `O_APPEND` write whole are written without a lock.
    @Test func onlyKnownLocalFileSystemsAreWrittenWithoutALock() {
        for local in ["ext4", "xfs", "btrfs", "tmpfs", "overlay"] {
            #expect(InFlightJournal.appendsWholeLines(fileSystemType: local), "\(local)")
        }
        for shared in ["nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "fuseblk", "9p", "ceph", "", "EXT4"] {
            #expect(!InFlightJournal.appendsWholeLines(fileSystemType: shared), "\(shared)")
        }
    }

    /// The journal's file system is found by the mount its file is on (mountinfo's first field),
    /// whatever the paths: a mount hidden under a later one on the same path changes nothing.
    @Test func theJournalsFileSystemIsFoundByItsMount() {
        let mountInfo = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            30 22 0:40 / /srv/bulkhead/journal rw shared:5 - xfs /dev/sdb1 rw
            31 22 0:53 / /srv rw - nfs4 server:/export rw,vers=4.2
            32 22 8:1 /var/lib /mnt/bind\\040here rw master:1 - ext4 /dev/sda1 rw
            garbage line
            """
        #expect(InFlightJournal.fileSystemType(mount: "22", mountInfo: mountInfo) == "ext4")
        #expect(InFlightJournal.fileSystemType(mount: "31", mountInfo: mountInfo) == "nfs4", "an NFS mount over the local one's path")
        #expect(InFlightJournal.fileSystemType(mount: "30", mountInfo: mountInfo) == "xfs")
        #expect(InFlightJournal.fileSystemType(mount: "32", mountInfo: mountInfo) == "ext4", "optional fields before the separator")
        #expect(InFlightJournal.fileSystemType(mount: "3", mountInfo: mountInfo) == nil, "a whole field, not a prefix")
        #expect(InFlightJournal.fileSystemType(mount: "22", mountInfo: "") == nil)
    }

    /// On this machine the journal's choice agrees with util-linux's own answer (`findmnt -T`) about the
    /// temporary directory's file system.
    @Test func theJournalAgreesWithFindmnt() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/findmnt") else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try InFlightJournal(directory: directory, worker: WorkerIdentity.current())
        defer { journal.finish(remove: true) }
        let findmnt = Process()
        findmnt.executableURL = URL(fileURLWithPath: "/usr/bin/findmnt")
        findmnt.arguments = ["-n", "-o", "FSTYPE", "-T", directory]
        let output = Pipe()
        findmnt.standardOutput = output
        try findmnt.run()
        findmnt.waitUntilExit()
        let type = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!type.isEmpty)
        #expect(journal.appendsWithoutLock == InFlightJournal.appendsWholeLines(fileSystemType: type), "findmnt says \(type)")
    }

    /// Item 8: a refused connection postpones the message without charging it; the sender waits and goes on.
    @Test func anUpstreamOutageChargesNoAttempt() async throws {
        let setup = try await CampaignRunnerTests.setUp(recipients: 6)
        let outage = Mutex(4)
        let transport = CampaignRunnerTests.ScriptedTransport(delay: .zero) { _ -> DeliveryOutcome in
            let down = outage.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0
            }
            return down
                ? .postponed(.note("connection refused"), retryAfter: .zero)
                : .sent(CampaignRunnerTests.reply(250, "queued"))
        }
        let runner = try await CampaignRunnerTests.runner(
            setup, transport: transport,
            settings: DeliverySettings(concurrency: 1, batchSize: 3, maxAttempts: 1))
        let done = Mutex(false)
        let running = Task {
            defer { done.withLock { $0 = true } }
            return try await runner.run()
        }
        // After each refused connection the sender pauses 100 ms on the clock (the watcher, the flush
        // and the heartbeat wait on it all along): move time once the sender waits too.
        var pauses = 0
        while !done.withLock({ $0 }) {
            if await CampaignRunnerTests.waitUntil(atMost: .milliseconds(200), { setup.clock.sleepers >= 4 }) {
                setup.clock.advance(by: .milliseconds(100))
                pauses += 1
            }
        }
        let summary = try await running.value
        #expect(summary.ending == .finished)
        #expect(pauses >= 4, "one pause per refused connection")
        #expect(try await CampaignRunnerTests.counts(setup) == [.sent: 6])
        let ledger = try await setup.store.ledgerEntries(campaign: setup.campaign.id).reduce(into: [LedgerEntry]()) { $0.append($1) }
        #expect(ledger.allSatisfy { $0.attempts == 1 }, "with max_attempts 1, one charged attempt each: the outage cost nothing")
    }

    /// Once the upstream's breaker is open the run ends `upstream-down` instead of waiting: everything
    /// stays queued, uncharged, with the reason as the last reply.
    @Test func anOpenBreakerEndsTheRun() async throws {
        let setup = try await CampaignRunnerTests.setUp(recipients: 5)
        let transport = CampaignRunnerTests.ScriptedTransport(delay: .zero) { _ -> DeliveryOutcome in
            .postponed(.note("upstream 127.0.0.1:25 is taken as down after failed connections; nothing sent"), retryAfter: .seconds(60))
        }
        let summary = try await CampaignRunnerTests.runner(
            setup, transport: transport,
            settings: DeliverySettings(concurrency: 3, batchSize: 2)
        ).run()
        #expect(summary.ending == .upstreamDown)
        #expect(summary.nextRetryAt == setup.clock.date.addingTimeInterval(60), "the breaker's 60 s, on the run's clock")
        let ledger = try await setup.store.ledgerEntries(campaign: setup.campaign.id).reduce(into: [LedgerEntry]()) { $0.append($1) }
        #expect(ledger.allSatisfy { $0.state == .queued && $0.attempts == 0 })
        #expect(ledger.contains { $0.lastReply?.text.contains("taken as down") == true })
        #expect(try await setup.store.campaign(id: setup.campaign.id)?.state == .sending, "serve's next pass goes on")
    }

    /// Item 10: one key per store, whatever the data directory; a damaged key file is an error.
    @Test func theUnsubscribeKeyLivesInTheStore() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: root.appendingPathComponent("shared.sqlite").path)
        var hostA = BulkheadConfiguration()
        hostA.dataDirectory = root.appendingPathComponent("a").path
        var hostB = hostA
        hostB.dataDirectory = root.appendingPathComponent("b").path
        let keyA = try await BulkheadEnvironment.unsubscribeSecret(hostA, store: store)
        let keyB = try await BulkheadEnvironment.unsubscribeSecret(hostB, store: store)
        #expect(keyA == keyB && keyA.count == 32, "two hosts sharing a store issue the same links")

        // An older version's key file is adopted by a store that has none yet.
        let legacyStore = try SQLiteStore(path: root.appendingPathComponent("legacy.sqlite").path)
        let secrets = root.appendingPathComponent("a/secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        let legacy = Data(repeating: 9, count: 32)
        try (legacy.base64EncodedString() + "\n").write(to: secrets.appendingPathComponent("unsubscribe.key"), atomically: true, encoding: .utf8)
        #expect(try await BulkheadEnvironment.unsubscribeSecret(hostA, store: legacyStore) == Array(legacy))

        // A short key file is refused, not replaced.
        try "c2hvcnQ=\n".write(to: secrets.appendingPathComponent("unsubscribe.key"), atomically: true, encoding: .utf8)
        let fresh = try SQLiteStore(path: root.appendingPathComponent("fresh.sqlite").path)
        await #expect(throws: ConfigurationError.self) { try await BulkheadEnvironment.unsubscribeSecret(hostA, store: fresh) }
        #expect(try String(contentsOf: secrets.appendingPathComponent("unsubscribe.key"), encoding: .utf8) == "c2hvcnQ=\n")
    }
}
