public import BulkheadPolicy
import Foundation

/// Staged sending: seed addresses, the canary wave and the outcome log the brakes judge.
extension SQLMailStore {
    // MARK: Seeds

    /// Adds seed addresses to a list (audited); returns how many were new.
    @discardableResult
    public func addSeeds(_ addresses: [NormalizedAddress], list: ListID, actor: AuditActor) async throws -> Int {
        let clock = clock
        let unique = Array(Set(addresses)).sorted { $0.value < $1.value }
        return try await backend.transaction { tx in
            let now = clock.date
            guard try tx.one(Queries.list(id: list)) != nil else { throw StoreError.notFound(.list(list)) }
            var added: [NormalizedAddress] = []
            for address in unique {
                let subscriber = try Self.upsertSubscriber(tx, address: address, name: nil, attributes: [:], now: now)
                if try tx.one(Queries.insertSeed(list: list, subscriber: subscriber.id, now: now)) != nil { added.append(address) }
            }
            let total = try Self.required(tx.one(Queries.seedCount(list: list))).int("n")
            guard total <= ListSeeds.maximum else {
                throw StoreError.invalidData("a list has at most \(ListSeeds.maximum) seed addresses (this would make \(total))")
            }
            if !added.isEmpty {
                _ = try tx.rows(try Queries.insertAudit(Self.seedEvent("list.seeds.add", list, added, actor), now: now))
            }
            return added.count
        }
    }

    /// Removes seed addresses from a list (audited); returns how many were there.
    @discardableResult
    public func removeSeeds(_ addresses: [NormalizedAddress], list: ListID, actor: AuditActor) async throws -> Int {
        let clock = clock
        let unique = Array(Set(addresses)).sorted { $0.value < $1.value }
        return try await backend.transaction { tx in
            let now = clock.date
            guard try tx.one(Queries.list(id: list)) != nil else { throw StoreError.notFound(.list(list)) }
            var removed: [NormalizedAddress] = []
            for address in unique {
                if try tx.one(Queries.deleteSeed(list: list, address: address)) != nil { removed.append(address) }
            }
            if !removed.isEmpty {
                _ = try tx.rows(try Queries.insertAudit(Self.seedEvent("list.seeds.remove", list, removed, actor), now: now))
            }
            return removed.count
        }
    }

    private static func seedEvent(_ action: String, _ list: ListID, _ addresses: [NormalizedAddress], _ actor: AuditActor) -> NewAuditEvent {
        NewAuditEvent(
            actor: actor, action: action, subjectKind: "list", subjectID: "\(list.rawValue)",
            details: ["addresses": .array(addresses.map { .string($0.value) })])
    }

    /// A list's seed addresses, by address.
    public func seeds(list: ListID) async throws -> [NormalizedAddress] {
        try await backend.read(Queries.seeds(list: list)).map { row throws(StoreError) in
            NormalizedAddress(storedValue: try row.text("address"))
        }
    }

    // MARK: Waves

    /// Starts a campaign's delivery (see ``MailStore/beginSending(_:from:canary:actor:details:)``).
    public func beginSending(
        _ id: CampaignID, from: Set<CampaignState>, canary: CanaryRule, actor: AuditActor, details: [String: JSONValue]
    ) async throws -> Campaign {
        let clock = clock
        let dialect = dialect
        return try await backend.transaction { tx in
            let current = try Self.campaign(tx, id, lock: dialect.forUpdate)
            try Self.refuseWhileStopped(tx)
            let now = clock.date
            let startable =
                current.state == .paused ? current.pausedFrom.map { from.contains($0) } ?? false : from.contains(current.state)
            let audience = Int(try Self.required(tx.one(Queries.queuedCount(id))).int("n"))
            let sample = canary.sampleSize(audience: audience)
            let next: CampaignState = sample == nil ? .sending : .canary
            guard startable, current.state.canTransition(to: next) else {
                throw StoreError.invalidTransition(campaign: id, current: current.state, to: next)
            }
            let seeds = try tx.changes(Queries.enqueueSeeds(current, wave: sample == nil ? .rest : .canary, now: now, dialect))
            var picked = 0
            if let sample { picked = try tx.changes(Queries.pickCanary(id, size: sample)) }
            let updated = try Campaign(
                row: try Self.required(try tx.one(Queries.setCampaignState(id, next, pause: nil, deadline: nil, now: now))))
            var fixed: [String: JSONValue] = [
                "from": .string(current.state.rawValue), "to": .string(next.rawValue),
                "audience": .number(Double(audience)), "seeds": .number(Double(seeds)),
            ]
            if sample != nil { fixed["canary_sample"] = .number(Double(picked)) }
            let event = NewAuditEvent(
                actor: actor, action: "campaign.transition", subjectKind: "campaign", subjectID: "\(id.rawValue)",
                details: details.merging(fixed) { _, fixed in fixed })
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return updated
        }
    }

    /// How many of the campaign's entries of one wave are in each state.
    public func ledgerCounts(campaign: CampaignID, wave: LedgerWave) async throws -> LedgerCounts {
        var counts: [LedgerState: Int] = [:]
        for row in try await backend.read(Queries.ledgerCounts(campaign: campaign, wave: wave)) {
            counts[try row.enumValue(LedgerState.self, "state")] = Int(try row.int("n"))
        }
        return LedgerCounts(byState: counts)
    }

    // MARK: Outcome log

    /// Records outcomes inside a transaction: the ledger update, then one outcome-log row for each final
    /// outcome (sent or failed) that applied. Returns how many outcomes applied.
    static func recordOutcomes(_ tx: any SQLTransaction, _ outcomes: [LedgerOutcome], now: Date, _ dialect: SQLDialect) throws -> Int {
        if dialect == .postgres {
            // One statement changes and logs the entries.
            let applied = Set(try tx.rows(try Queries.completeAndLog(outcomes, now: now)).map { row throws(StoreError) in try row.int("id") })
            try recordSuppressions(tx, outcomes, applied: applied, now: now)
            return applied.count
        }
        let applied = Set(try tx.rows(try Queries.complete(outcomes, now: now, dialect)).map { row throws(StoreError) in try row.int("id") })
        guard !applied.isEmpty else { return 0 }
        var records = BatchRecords(columns: [("id", .bigint), ("rejection", .bigint)], dialect: dialect)
        var logged = Set<Int64>()
        for outcome in outcomes {
            guard applied.contains(outcome.entryID.rawValue), logged.insert(outcome.entryID.rawValue).inserted else { continue }
            switch outcome.result {
            case .sent: try records.append([.int(outcome.entryID.rawValue), .int(0)])
            case .failed: try records.append([.int(outcome.entryID.rawValue), .int(outcome.rejected ? 1 : 0)])
            case .deferred, .uncertain: continue
            }
        }
        if records.count > 0 { _ = try tx.changes(Queries.logOutcomes(records, now: now)) }
        try recordSuppressions(tx, outcomes, applied: applied, now: now)
        return applied.count
    }

    /// The suppressions (a hard bounce's) of the outcomes that applied, each with its audit event.
    private static func recordSuppressions(_ tx: any SQLTransaction, _ outcomes: [LedgerOutcome], applied: Set<Int64>, now: Date) throws {
        for outcome in outcomes where applied.contains(outcome.entryID.rawValue) {
            guard let suppression = outcome.suppression, try tx.one(Queries.insertSuppression(suppression)) != nil else { continue }
            let event = NewAuditEvent(
                actor: .system, action: "suppression.add", subjectKind: "suppression", subjectID: suppression.address.value,
                details: ["reason": .string(suppression.reason.rawValue), "source": .string(suppression.source)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
        }
    }

    /// The campaign's most recent outcomes, as the brakes judge them.
    public func brakeWindow(campaign: CampaignID, size: Int) async throws -> BrakeWindow {
        guard let row = try await backend.one(Queries.brakeWindow(campaign, size: size)) else { return BrakeWindow(outcomes: 0) }
        var events: [BrakeMetric: Int] = [:]
        for metric in BrakeMetric.allCases {
            let count = Int(try row.int(Queries.column(metric)))
            if count > 0 { events[metric] = count }
        }
        return BrakeWindow(outcomes: Int(try row.int("n")), events: events)
    }

    /// Records an event that arrived after the send (see ``MailStore/recordBrakeEvent(_:campaign:subscriber:)``).
    @discardableResult
    public func recordBrakeEvent(_ metric: BrakeMetric, campaign: CampaignID, subscriber: SubscriberID) async throws -> Bool {
        let clock = clock
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.ledgerEntryID(campaign: campaign, subscriber: subscriber)) else { return false }
            let entry = try row.int("id")
            if try tx.changes(Queries.markOutcome(metric, entry: entry)) == 0 {
                _ = try tx.changes(Queries.logEvent(metric, campaign: campaign, entry: entry, now: clock.date))
            }
            return true
        }
    }
}

/// Limits of a list's seed addresses.
public enum ListSeeds {
    /// The most seed addresses one list may have: they all go out in every campaign's first wave.
    public static let maximum = 100
}
