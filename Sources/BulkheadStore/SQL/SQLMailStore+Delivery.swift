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
            let rows = try await backend.read(SQLStatement("SELECT * FROM subscribers WHERE id IN (\(placeholders))",
                                                           chunk.map { .int($0.rawValue) }))
            for row in rows {
                let subscriber = try Subscriber(row: row)
                result[subscriber.id] = subscriber
            }
        }
        return result
    }

    /// Returns never-attempted claimed entries to `queued`.
    @discardableResult
    public func release(_ entries: [LedgerEntry]) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let now = clock()
        return try await backend.transaction { tx in
            var changed = 0
            for entry in entries {
                changed += try await tx.changes(SQLStatement("""
                    UPDATE ledger SET state = 'queued', attempts = attempts - 1, claimed_by = NULL, updated_at = ?
                    WHERE id = ? AND state = 'sending' AND attempts = ?
                    """, [SQLValue(now), .int(entry.id.rawValue), .int(Int64(entry.attempts))]))
            }
            return changed
        }
    }

    /// The distinct workers holding `sending` entries of a campaign.
    public func sendingWorkers(campaign: CampaignID) async throws -> Set<String> {
        let rows = try await backend.read(SQLStatement(
            "SELECT DISTINCT claimed_by FROM ledger WHERE campaign_id = ? AND state = 'sending' AND claimed_by IS NOT NULL",
            [.int(campaign.rawValue)]))
        var workers = Set<String>()
        for row in rows {
            if let worker = try row.optionalText("claimed_by") { workers.insert(worker) }
        }
        return workers
    }
}
