import Foundation

/// The queries the delivery loop needs beyond claim and complete.
extension SQLMailStore {
    /// The subscribers with these keys, in one query.
    public func subscribers(ids: [SubscriberID]) async throws -> [SubscriberID: Subscriber] {
        var result: [SubscriberID: Subscriber] = [:]
        let unique = Array(Set(ids))
        // Chunks keep the statement's parameter count well under every backend's limit.
        for start in stride(from: 0, to: unique.count, by: 500) {
            let chunk = unique[start..<min(unique.count, start + 500)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let rows = try await backend.read(
                SQLStatement(
                    "SELECT * FROM subscribers WHERE id IN (\(placeholders))",
                    chunk.map { .int($0.rawValue) }))
            for row in rows {
                let subscriber = try Subscriber(row: row)
                result[subscriber.id] = subscriber
            }
        }
        return result
    }

    /// Returns never-attempted claimed entries to `queued` (with `lastReply` as their last reply, when given).
    @discardableResult
    public func release(_ entries: [LedgerEntry], lastReply: SMTPReplyRecord?) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let now = clock.date
        return try await backend.transaction { tx in
            var changed = 0
            for entry in entries {
                changed += try tx.changes(
                    SQLStatement(
                        """
                        UPDATE ledger SET state = 'queued', attempts = attempts - 1, claimed_by = NULL, updated_at = ?,
                          last_reply_code = COALESCE(?, last_reply_code), last_reply_text = COALESCE(?, last_reply_text)
                        WHERE id = ? AND state = 'sending' AND attempts = ?
                        """,
                        [
                            SQLValue(now), SQLValue(lastReply?.code), SQLValue(lastReply?.text), .int(entry.id.rawValue),
                            .int(Int64(entry.attempts)),
                        ]))
            }
            return changed
        }
    }

    /// Looks at the opt-outs again for claimed entries not yet handed over: each whose address is now
    /// suppressed, or whose person is no longer a confirmed member of the campaign's list, goes from
    /// `sending` to `suppressed` (its attempt restored, the reason as its last reply), as the claim
    /// would have done. Returns the keys of the entries that must not go out: those, and those no
    /// longer in this claim (not `sending` in the claimed attempt: recovered or finished by another
    /// worker while this one stalled, or gone). One recovered as `uncertain` stays so (only
    /// `campaign retry-uncertain` sends it), its last reply now saying it was never handed over.
    public func withdrawOptedOut(_ entries: [LedgerEntry]) async throws -> Set<LedgerEntryID> {
        guard !entries.isEmpty else { return [] }
        let now = clock.date
        let reason = Queries.optOutReason(
            suppression: "(SELECT x.reason FROM suppressions x WHERE x.address = ledger.address)",
            status: """
                (SELECT m.status FROM memberships m WHERE m.subscriber_id = ledger.subscriber_id
                   AND m.list_id = (SELECT c.list_id FROM campaigns c WHERE c.id = ledger.campaign_id))
                """,
            seed: "ledger.seed")
        let claimedAttempt = Dictionary(entries.map { ($0.id, Int64($0.attempts)) }, uniquingKeysWith: { first, _ in first })
        let claimedBy = Dictionary(entries.compactMap { entry in entry.claimedBy.map { (entry.id, $0) } }, uniquingKeysWith: { first, _ in first })
        let dialect = dialect
        return try await backend.transaction { tx in
            var keptBack = Set(claimedAttempt.keys)
            var optedOut: [LedgerEntryID] = []
            var recovered: [LedgerEntryID] = []
            // One read for the whole batch.
            for row in try tx.rows(
                SQLStatement(
                    "SELECT id, state, attempts, \(reason) AS opt_out FROM ledger WHERE \(dialect.inIntArray("id"))",
                    [.intArray(claimedAttempt.keys.map(\.rawValue))]))
            {
                let id = LedgerEntryID(rawValue: try row.int("id"))
                let state = try row.text("state")
                guard try row.int("attempts") == claimedAttempt[id] else { continue }
                if state == "uncertain" { recovered.append(id) }
                guard state == "sending" else { continue }
                if try row.optionalText("opt_out") == nil { keptBack.remove(id) } else { optedOut.append(id) }
            }
            // Recovered by another worker, which could not know: this one knows it never went out.
            for id in recovered {
                guard let worker = claimedBy[id] else { continue }
                _ = try tx.changes(
                    SQLStatement(
                        """
                        UPDATE ledger SET last_reply_code = 0, updated_at = ?,
                          last_reply_text = 'not sent: kept back by its worker, whose claim another worker had recovered'
                        WHERE id = ? AND state = 'uncertain' AND attempts = ? AND claimed_by = ?
                        """,
                        [SQLValue(now), .int(id.rawValue), .int(claimedAttempt[id] ?? -1), .text(worker)]))
            }
            for id in optedOut {
                _ = try tx.changes(
                    SQLStatement(
                        """
                        UPDATE ledger SET state = 'suppressed', attempts = attempts - 1, next_attempt_at = NULL,
                          last_reply_code = 0, last_reply_text = \(reason), updated_at = ?
                        WHERE id = ? AND state = 'sending' AND attempts = ?
                        """,
                        [SQLValue(now), .int(id.rawValue), .int(claimedAttempt[id] ?? -1)]))
            }
            return keptBack
        }
    }

    /// The distinct workers holding `sending` entries of a campaign, with their leases.
    public func sendingWorkers(campaign: CampaignID) async throws -> [SendingWorker] {
        let now = clock.date
        let rows = try await backend.read(
            SQLStatement(
                """
                SELECT w.claimed_by, l.host, l.machine, l.pid, l.started_at, l.renewed_at, l.lease_until
                FROM (SELECT DISTINCT claimed_by FROM ledger WHERE campaign_id = ? AND state = 'sending'
                      AND claimed_by IS NOT NULL) w
                LEFT JOIN worker_leases l ON l.worker = w.claimed_by
                ORDER BY w.claimed_by
                """, [.int(campaign.rawValue)]))
        return try rows.map { row throws(StoreError) in
            let worker = try row.text("claimed_by")
            var lease: WorkerLease?
            if let host = try row.optionalText("host") {
                lease = WorkerLease(
                    holder: WorkerLease.Holder(
                        worker: worker, host: host, machine: try row.text("machine"),
                        pid: Int32(truncatingIfNeeded: try row.int("pid"))),
                    startedAt: try row.date("started_at"), renewedAt: try row.date("renewed_at"),
                    until: try row.date("lease_until"))
            }
            return SendingWorker(worker: worker, lease: lease, leaseExpired: lease.map { $0.until < now } ?? true)
        }
    }

    /// Takes or renews a worker's lease until `seconds` from now.
    @discardableResult
    public func renewLease(_ holder: WorkerLease.Holder, seconds: Int) async throws -> WorkerLease {
        let now = clock.date
        let until = now.addingTimeInterval(TimeInterval(max(1, seconds)))
        return try await backend.transaction { tx in
            let row = try tx.one(
                SQLStatement(
                    """
                    INSERT INTO worker_leases (worker, host, machine, pid, started_at, renewed_at, lease_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (worker) DO UPDATE SET renewed_at = excluded.renewed_at, lease_until = excluded.lease_until
                    RETURNING started_at
                    """,
                    [
                        .text(holder.worker), .text(holder.host), .text(holder.machine), .int(Int64(holder.pid)),
                        SQLValue(now), SQLValue(now), SQLValue(until),
                    ]))
            let started = try row.map { row throws(StoreError) in try row.date("started_at") } ?? now
            return WorkerLease(holder: holder, startedAt: started, renewedAt: now, until: until)
        }
    }

    /// Gives up a worker's lease.
    public func endLease(worker: String) async throws {
        _ = try await backend.transaction { tx in
            try tx.changes(SQLStatement("DELETE FROM worker_leases WHERE worker = ?", [.text(worker)]))
        }
    }
}
