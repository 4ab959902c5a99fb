import BulkheadStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 13, faults: the disk holding the SQLite store fills up in the middle of a send.
@Suite("End to end: faults — the SQLite store's disk fills up mid-send", .serialized)
struct DiskFullEndToEndTests {
    static let recipients = 3_000
    static let concurrency = 4
    static let batchSize = 5

    /// What happens while the disk is full.
    enum Variant: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The sender waits; space is freed; it pauses the campaign itself; `resume` completes.
        case freeSpace = "space freed, the campaign pauses itself"
        /// The sender is SIGKILLed while the disk is full (its in-flight journal on that disk lost
        /// lines); space is freed; `resume` recovers what it held and completes.
        case crashWhileFull = "the sender SIGKILLed while the disk is full"
        var description: String { rawValue }
    }

    @Test(
        "the data directory is a 32 MiB tmpfs, filled up mid-send: a critical line names the full disk, no message starts, the store stays intact; once space is freed the campaign pauses itself (storage-full), or after a SIGKILL meanwhile the journal that lost lines is not trusted; resume completes with zero duplicates",
        arguments: Variant.allCases)
    func diskFillsUpMidSend(_ variant: Variant) async throws {
        try RootFacilities.require("a small file system for the data directory (mount -t tmpfs)")
        let workspace = try await Workspace(.sqlite)
        let mount = workspace.dataDirectory
        do {
            try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
            try await RootFacilities.run(
                try RootFacilities.tool(["/usr/bin/mount", "/bin/mount"]), ["-t", "tmpfs", "-o", "size=32m,mode=0700", "tmpfs", mount.path],
                in: workspace.root)
        } catch {
            await workspace.discard()
            throw error
        }
        let sink: RecordingSink
        do {
            sink = try await RecordingSink(in: workspace.root, delay: .milliseconds(5))
        } catch {
            await unmount(mount, workspace)
            throw error
        }
        do {
            try await run(workspace, sink, variant)
        } catch {
            await sink.stop()
            await unmount(mount, workspace)
            throw error
        }
        await sink.stop()
        await unmount(mount, workspace)
    }

    private func unmount(_ mount: URL, _ workspace: Workspace) async {
        if let umount = try? RootFacilities.tool(["/usr/bin/umount", "/bin/umount"]) {
            _ = try? await RootFacilities.run(umount, ["-l", mount.path], in: workspace.root)
        }
        await workspace.discard()
    }

    /// Fills the file system holding `directory` (a file of zeros, written until ENOSPC); returns its path.
    private func fill(_ directory: URL) throws -> String {
        let path = directory.appendingPathComponent("filler").path
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw E2EError("cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        for size in [1 << 20, 1 << 12, 1] {
            let chunk = [UInt8](repeating: 0, count: size)
            while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) == size {}
        }
        guard errno == ENOSPC else { throw E2EError("filling \(path) stopped with errno \(errno), not ENOSPC") }
        return path
    }

    /// How the run before the resume ended, for the figure.
    private func ending(_ variant: Variant, pausedAtOnce: Bool, freedToPaused: Double) -> String {
        switch variant {
        case .freeSpace where pausedAtOnce: "paused (storage-full) at once, a small transaction still fitting on the full disk"
        case .freeSpace: "paused (storage-full) \(seconds(freedToPaused)) after space was freed"
        case .crashWhileFull: "SIGKILLed while full\(pausedAtOnce ? " (after a round that paused at once)" : ""), space freed"
        }
    }

    /// `PRAGMA integrity_check` by python3's sqlite3 (another process, read only).
    private func integrity(_ database: String, in workspace: Workspace) async throws -> String {
        let script = workspace.root.appendingPathComponent("integrity.py")
        try """
        import sqlite3, sys
        db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
        print(";".join(row[0] for row in db.execute("PRAGMA integrity_check")))
        """.write(to: script, atomically: true, encoding: .utf8)
        return try await Python.run(name: "integrity-\(UUID().uuidString.prefix(6))", script: script, arguments: [database], in: workspace.root)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink, _ variant: Variant) async throws {
        _ = try await workspace.generateDKIMKey()
        try workspace.writeConfiguration(
            SendSettings(
                upstreamPort: sink.port, concurrency: Self.concurrency, batchSize: Self.batchSize, maxConnections: Self.concurrency, dkim: true))
        try await workspace.populate(list: "full", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "full")
        let database = workspace.dataDirectory.appendingPathComponent("bulkhead.sqlite").path
        var sender = try workspace.start(["campaign", "send", "\(id)", "--json"])

        // Fill the disk once the send is going; the sender must say so (a critical line) and stop starting
        // messages. A small transaction can still fit on the full disk (SQLite writes its WAL again from the
        // start into space it already holds), so the sender may pause the campaign at once: a valid ending.
        // The SIGKILL case needs a sender that waits while full, so it fills again after a resume (3 rounds).
        var filler = ""
        var filledAt = 0.0
        var atFill = 0
        var noticed = 0.0
        var pausedAtOnce: CommandResult?
        for round in 1...3 {
            let goal = sink.count() + Self.recipients / (round == 1 ? 5 : 10)
            let deadline = ContinuousClock.now + .seconds(120)
            while sender.isRunning && sink.count() < goal && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(sender.isRunning && sink.count() >= goal, "the send did not get going (round \(round)): \(sender.output.summary)")
            filler = try fill(workspace.dataDirectory)
            filledAt = Date().timeIntervalSince1970
            atFill = sink.count()

            // A clear error: the critical line names the full disk.
            var noticedAt: Double?
            let noticeDeadline = ContinuousClock.now + .seconds(60)
            while noticedAt == nil && ContinuousClock.now < noticeDeadline {
                let running = sender.isRunning
                if sender.output.stderr.contains("no message starts") { noticedAt = Date().timeIntervalSince1970 }
                if !running { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            noticed = try #require(
                noticedAt, "no line about the full disk within 60 s (\(sink.count() - atFill) more arrived): \(sender.output.summary.suffix(3000))")
            if sender.isRunning { break }
            let result = try await sender.finish(timeout: .seconds(10))
            let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(
                result.status == 4 && summary?["ending"] as? String == "paused" && summary?["pauseReason"] as? String == "storage-full",
                "a sender that ends while the disk is full has paused the campaign (storage-full): \(result.summary)")
            pausedAtOnce = result
            guard variant == .crashWhileFull else { break }
            try #require(round < 3, "the sender paused at once in 3 rounds, never waited while the disk was full: \(result.summary)")
            try FileManager.default.removeItem(atPath: filler)
            sender = try workspace.start(["campaign", "resume", "\(id)", "--json"])
        }
        let stderr = pausedAtOnce?.stderr ?? sender.output.stderr
        let report = stderr.split(separator: "\n").first { $0.contains("no message starts") }.map { String($0.prefix(400)) } ?? ""
        #expect(stderr.contains("SQLITE_FULL") || stderr.contains("database or disk is full"), "\(stderr.suffix(2000))")

        // While the disk stays full nothing new starts, and the database is intact.
        try await Task.sleep(for: .seconds(3))
        let late = try sink.records().filter { $0.t_mail > noticed + 0.5 }
        #expect(late.isEmpty, "\(late.count) messages started more than 0.5 s after the full disk was reported")
        #expect(try await integrity(database, in: workspace) == "ok", "integrity while full")

        let beforeResume: SinkVersusLedger
        var freedToPaused = 0.0
        switch variant {
        case .freeSpace:
            // Space freed: the campaign pauses itself, with its reason; the send ends as paused (exit 4).
            try FileManager.default.removeItem(atPath: filler)
            let freedAt = Date().timeIntervalSince1970
            let result = try await sender.finish(timeout: .seconds(60))
            freedToPaused = Date().timeIntervalSince1970 - freedAt
            #expect(result.status == 4, "a paused send exits 4: \(result.summary)")
            let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(summary?["ending"] as? String == "paused" && summary?["pauseReason"] as? String == "storage-full", "\(result.stdout)")
            let campaign = try await workspace.campaign(id)
            #expect(campaign.state == .paused && campaign.pauseReason == "storage-full", "\(campaign.state) \(campaign.pauseReason ?? "-")")
            #expect(try await integrity(database, in: workspace) == "ok", "integrity after the pause")
            let transition = try await workspace.withStore { store in
                try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)", action: "campaign.transition"))
            }.last { $0.event.details["reason"] == .string("storage-full") }
            #expect(transition != nil, "no audited move to paused with reason storage-full")
            let pausedLedger = try await workspace.ledger(id)
            // Its outcomes written and its unsent claims queued again: nothing is left in flight, nothing uncertain.
            #expect(
                pausedLedger.filter { $0.state == .sending || $0.state == .uncertain }.isEmpty, "entries left sending or uncertain after the pause")
            beforeResume = SinkVersusLedger(try sink.records(), pausedLedger)
        case .crashWhileFull:
            sender.signal(SIGKILL)
            _ = try await sender.wait(timeout: .seconds(10))
            try FileManager.default.removeItem(atPath: filler)
            #expect(try await integrity(database, in: workspace) == "ok", "integrity after the crash")
            beforeResume = SinkVersusLedger(try sink.records(), try await workspace.ledger(id))
        }

        // Resume completes.
        let resume = try await workspace.bulkhead(["campaign", "resume", "\(id)", "--json"], timeout: .seconds(180))
        let resumed = try JSONSerialization.jsonObject(with: Data(resume.stdout.utf8)) as? [String: Any]
        #expect(resumed?["ending"] as? String == "finished", "\(resume.summary)")
        #expect(try await workspace.campaign(id).state == .sent)
        #expect(try await integrity(database, in: workspace) == "ok", "integrity at the end")

        let ledger = try await workspace.ledger(id)
        #expect(ledger.count == Self.recipients)
        let check = SinkVersusLedger(try sink.records(), ledger)
        check.expectNoDuplicatesAndSentArrived("disk full, \(variant)")
        // After a crash what the dead sender held is uncertain (its journal, which lost lines, is not trusted): at most its claims.
        #expect(check.count(.uncertain) <= (variant == .freeSpace ? 0 : Self.concurrency * Self.batchSize), "\(check.count(.uncertain)) uncertain")
        print(
            """
            FIGURE disk-full (\(variant)): \(Self.recipients) recipients (SQLite on a 32 MiB tmpfs, \(Self.concurrency) × \(Self.batchSize)); filled after \(atFill) arrived; \
            the full disk reported \(seconds(noticed - filledAt)) later (\(beforeResume.received.count - atFill) more arrived meanwhile, none after the report); \
            \(ending(variant, pausedAtOnce: pausedAtOnce != nil, freedToPaused: freedToPaused)): \
            \(beforeResume.count(.sent)) sent, \(beforeResume.count(.queued)) queued, \(beforeResume.count(.sending)) sending, \(beforeResume.count(.uncertain)) uncertain; \
            after resume: sent \(check.count(.sent)), uncertain \(check.count(.uncertain)), duplicates \(check.received.values.filter { $0 > 1 }.count); \
            integrity_check ok throughout; the report: \(report)
            """)
    }
}
