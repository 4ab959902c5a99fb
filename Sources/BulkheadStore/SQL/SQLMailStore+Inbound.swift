import BulkheadPolicy
public import Foundation

extension SQLMailStore {
    /// Records a bounce on the entry its VERP token names (see ``MailStore/recordBounce(_:softLimit:)``).
    public func recordBounce(_ bounce: InboundBounce, softLimit: SoftBounceLimit) async throws -> InboundEventResult? {
        let now = clock.date
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.ledgerEntry(verpToken: bounce.verpToken)) else { return nil }
            let entry = try LedgerEntry(row: row)
            _ = try tx.changes(Queries.setBounce(bounce, entry: entry.id.rawValue))
            _ = try tx.changes(Queries.logBounce(bounce, address: entry.address.value, entry: entry.id.rawValue))
            var suppression: Suppression?
            switch bounce.kind {
            case .hard:
                suppression = Suppression(
                    address: entry.address, reason: .hardBounce, at: bounce.at, source: bounce.source,
                    note: [bounce.status, bounce.diagnostic].compactMap { $0 }.joined(separator: " "))
                try Self.markBrakeEvent(tx, .hardBounce, entry: entry, now: now)
            case .soft, .expired:
                let since = bounce.at.addingTimeInterval(-Double(softLimit.days) * 86_400)
                let count = try tx.one(Queries.softBounces(address: entry.address.value, since: since)).map { try $0.int("n") } ?? 0
                if count >= softLimit.count {
                    suppression = Suppression(
                        address: entry.address, reason: .hardBounce, at: bounce.at, source: bounce.source,
                        note: "\(count) soft bounces in \(softLimit.days) days (bounces.soft_limit \(softLimit.count))")
                }
            case .rejectedMessage:
                break
            }
            let suppressed = try suppression.map { try Self.suppress(tx, $0, now: now) } ?? false
            return InboundEventResult(entry: entry, subscriberID: entry.subscriberID, suppressed: suppressed)
        }
    }

    /// Records a complaint about the message the VERP token names (see ``MailStore/recordComplaint(verpToken:at:source:)``).
    public func recordComplaint(verpToken: String, at: Date, source: String) async throws -> InboundEventResult? {
        let now = clock.date
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.ledgerEntry(verpToken: verpToken)) else { return nil }
            let entry = try LedgerEntry(row: row)
            try Self.markBrakeEvent(tx, .complaint, entry: entry, now: now)
            let suppressed = try Self.suppress(
                tx, Suppression(address: entry.address, reason: .complaint, at: at, source: source, note: "campaign \(entry.campaignID.rawValue)"),
                now: now)
            return InboundEventResult(entry: entry, subscriberID: entry.subscriberID, suppressed: suppressed)
        }
    }

    /// Counts of a campaign's entries by the kind of bounce they got.
    public func bounceCounts(campaign: CampaignID) async throws -> [BounceKind: Int] {
        var counts: [BounceKind: Int] = [:]
        for row in try await backend.read(Queries.bounceCounts(campaign: campaign)) {
            counts[try row.enumValue(BounceKind.self, "bounce_kind")] = Int(try row.int("n"))
        }
        return counts
    }

    /// Adds a suppression with its audit entry; false when the address was already suppressed.
    private static func suppress(_ tx: any SQLTransaction, _ suppression: Suppression, now: Date) throws -> Bool {
        guard try tx.one(Queries.insertSuppression(suppression)) != nil else { return false }
        let event = NewAuditEvent(
            actor: .system, action: "suppression.add", subjectKind: "suppression", subjectID: suppression.address.value,
            details: ["reason": .string(suppression.reason.rawValue), "source": .string(suppression.source)])
        _ = try tx.rows(try Queries.insertAudit(event, now: now))
        return true
    }

    /// Sets `metric` on the entry's logged outcome, or logs one holding it (the brakes read these).
    private static func markBrakeEvent(_ tx: any SQLTransaction, _ metric: BrakeMetric, entry: LedgerEntry, now: Date) throws {
        if try tx.changes(Queries.markOutcome(metric, entry: entry.id.rawValue)) == 0 {
            _ = try tx.changes(Queries.logEvent(metric, campaign: entry.campaignID, entry: entry.id.rawValue, now: now))
        }
    }
}
