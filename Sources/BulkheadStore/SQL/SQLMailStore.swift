public import Foundation

/// The ``MailStore`` implementation shared by ``SQLiteStore`` and ``PostgresStore``: the same SQL and the
/// same transaction logic over either database. Not created directly; use one of the two subclasses.
public class SQLMailStore: MailStore, @unchecked Sendable {
    // @unchecked: only immutable `let`s of Sendable types (here and in the subclasses).
    let backend: any SQLBackend
    /// The store's clock (every stored "now" and every "is a deferred entry due" check).
    public let clock: any BulkheadClock
    /// Received relay messages waiting to share a transaction.
    let relayFilings = CommitGroup<RelayFiling, RelayReceipt>(maximumBatch: 64)

    init(backend: any SQLBackend, clock: any BulkheadClock) {
        self.backend = backend
        self.clock = clock
    }

    var dialect: SQLDialect { backend.dialect }

    // MARK: Lists

    /// Creates a list; throws ``StoreError/duplicate(kind:key:)`` when the name is taken.
    public func createList(name: String, description: String) async throws -> MailingList {
        try Self.checkListName(name)
        let now = clock.date
        return try await backend.transaction { tx in
            guard try tx.one(Queries.list(named: name)) == nil else {
                throw StoreError.duplicate(kind: "list", key: name)
            }
            return try MailingList(row: try Self.required(tx.one(Queries.insertList(name: name, description: description, now: now))))
        }
    }

    /// The list with this key, or nil.
    public func list(id: ListID) async throws -> MailingList? {
        try await backend.one(Queries.list(id: id)).map { row throws(StoreError) in try MailingList(row: row) }
    }

    /// The list with this name, or nil.
    public func list(named name: String) async throws -> MailingList? {
        try await backend.one(Queries.list(named: name)).map { row throws(StoreError) in try MailingList(row: row) }
    }

    /// All lists, by name.
    public func allLists() async throws -> [MailingList] {
        try await backend.read(Queries.allLists).map { row throws(StoreError) in try MailingList(row: row) }
    }

    /// Renames a list (audited), keeping its List-Id label.
    public func renameList(_ id: ListID, to name: String, actor: AuditActor) async throws -> MailingList {
        try Self.checkListName(name)
        let now = clock.date
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.list(id: id)) else {
                throw StoreError.notFound(.list(id))
            }
            let list = try MailingList(row: row)
            if let other = try tx.one(Queries.list(named: name)), try MailingList(row: other).id != id {
                throw StoreError.duplicate(kind: "list", key: name)
            }
            let renamed = try MailingList(row: try Self.required(try tx.one(Queries.renameList(list, to: name))))
            let event = NewAuditEvent(
                actor: actor, action: "list.rename", subjectKind: "list", subjectID: "\(id.rawValue)",
                details: [
                    "from": .string(list.name), "to": .string(name),
                    "list_id_label": .string(renamed.listIDLabel),
                ])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return renamed
        }
    }

    /// A list's name shows in headers (the List-Id description): no control characters.
    static func checkListName(_ name: String) throws(StoreError) {
        if let bad = name.unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw StoreError.invalidData("a list name may not hold control characters (U+\(String(format: "%04X", bad.value)))")
        }
    }

    // MARK: Subscribers and memberships

    /// Creates or updates the subscriber with this address (see ``MailStore/upsertSubscriber(address:name:attributes:)``).
    public func upsertSubscriber(address: NormalizedAddress, name: String?, attributes: [String: JSONValue]) async throws -> Subscriber {
        let now = clock.date
        return try await backend.transaction { tx in
            try Self.upsertSubscriber(tx, address: address, name: name, attributes: attributes, now: now)
        }
    }

    /// Inserts or updates a subscriber inside a transaction.
    static func upsertSubscriber(
        _ tx: any SQLTransaction, address: NormalizedAddress, name: String?,
        attributes: [String: JSONValue], now: Date
    ) throws -> Subscriber {
        if let row = try tx.one(Queries.subscriber(address: address)) {
            let stored = try Subscriber(row: row)
            let newName = name ?? stored.name
            let merged = ImportDecision.mergedAttributes(stored.attributes, attributes)
            guard newName != stored.name || merged != stored.attributes else { return stored }
            let updated = try tx.one(try Queries.updateSubscriber(stored.id, name: newName, attributes: merged, now: now))
            return try Subscriber(row: try required(updated))
        }
        let inserted = try tx.one(try Queries.insertSubscriber(address: address, name: name, attributes: attributes, now: now))
        return try Subscriber(row: try required(inserted))
    }

    /// The subscriber with this address, or nil.
    public func subscriber(address: NormalizedAddress) async throws -> Subscriber? {
        try await backend.one(Queries.subscriber(address: address)).map { row throws(StoreError) in try Subscriber(row: row) }
    }

    /// The subscriber with this key, or nil.
    public func subscriber(id: SubscriberID) async throws -> Subscriber? {
        try await backend.one(Queries.subscriber(id: id)).map { row throws(StoreError) in try Subscriber(row: row) }
    }

    /// Sets a membership status and appends its consent record in the same transaction.
    public func setMembership(
        list: ListID, subscriber: SubscriberID, status: MembershipStatus,
        consent: ConsentEvidence
    ) async throws -> Membership {
        let now = clock.date
        return try await backend.transaction { tx in
            try Self.requireListAndSubscriber(tx, list: list, subscriber: subscriber)
            let row = try tx.one(
                Queries.upsertMembership(
                    list: list, subscriber: subscriber, status: status,
                    importID: nil, now: now))
            _ = try tx.rows(Queries.insertConsent(subscriber: subscriber, list: list, evidence: consent))
            return try Membership(row: try Self.required(row))
        }
    }

    private static func requireListAndSubscriber(_ tx: any SQLTransaction, list: ListID, subscriber: SubscriberID) throws {
        guard try tx.one(Queries.list(id: list)) != nil else {
            throw StoreError.notFound(.list(list))
        }
        guard try tx.one(Queries.subscriber(id: subscriber)) != nil else {
            throw StoreError.notFound(.subscriber(subscriber))
        }
    }

    /// A subscriber's membership of a list, or nil.
    public func membership(list: ListID, subscriber: SubscriberID) async throws -> Membership? {
        try await backend.one(Queries.membership(list: list, subscriber: subscriber)).map { row throws(StoreError) in
            try Membership(row: row)
        }
    }

    /// One page of a list's members, by subscriber key.
    public func members(of list: ListID, status: MembershipStatus?, after: SubscriberID?, limit: Int) async throws -> [ListMember] {
        try await backend.read(Queries.members(of: list, status: status, after: after, limit: limit)).map { row throws(StoreError) in
            var membershipRow = row
            membershipRow.values["updated_at"] = try row.value("membership_updated_at")
            return ListMember(subscriber: try Subscriber(row: row), membership: try Membership(row: membershipRow))
        }
    }

    /// How many members of the list are in each status (absent statuses are 0).
    public func membershipCounts(list: ListID) async throws -> [MembershipStatus: Int] {
        var counts = Dictionary(uniqueKeysWithValues: MembershipStatus.allCases.map { ($0, 0) })
        for row in try await backend.read(Queries.membershipCounts(list: list)) {
            counts[try row.enumValue(MembershipStatus.self, "status")] = Int(try row.int("n"))
        }
        return counts
    }

    /// Encodes a batch for ``importSubscribers(_:into:importID:)`` (``FreshImportBatch``); no I/O.
    public func prepareImport(_ rows: [ImportRow], consent: ImportConsent) throws(StoreError) -> ImportBatch {
        ImportBatch(rows: rows, consent: consent, fresh: try FreshImportBatch(rows, defaultStatus: consent.defaultStatus, dialect: dialect))
    }

    /// Upserts one batch of imported rows in one transaction (see ``MailStore/importSubscribers(_:into:importID:)``).
    /// Set-based. A batch whose addresses do not repeat is first inserted as new people, skipping
    /// known addresses (``FreshImportBatch``, made by ``prepareImport(_:consent:)``); when every row
    /// went in, their memberships and consent records follow and the batch is done. Otherwise that
    /// insert is rolled back to its savepoint, one query reads the batch's known subscribers and
    /// memberships, and ``ImportPlan`` decides: at most four statements write new subscribers,
    /// changed subscribers, memberships and consent records.
    public func importSubscribers(_ prepared: ImportBatch, into list: ListID, importID: String) async throws -> [ImportRowOutcome] {
        let now = clock.date
        let dialect = dialect
        let (batch, consent) = (prepared.rows, prepared.consent)
        // A batch prepared by a store of the other kind is encoded again for this one.
        let fresh = prepared.fresh.dialect == dialect ? prepared.fresh : try prepareImport(batch, consent: consent).fresh
        return try await backend.transaction { tx in
            guard try tx.one(Queries.list(id: list)) != nil else {
                throw StoreError.notFound(.list(list))
            }
            guard !batch.isEmpty else { return [] }
            if dialect == .postgres { _ = try tx.changes(Queries.importUsesIndexes) }
            if fresh.isDistinct,
                try Self.insertFresh(tx, fresh, batch, into: list, importID: importID, consent: consent, now: now, dialect)
            {
                return fresh.outcomes
            }
            let known = try tx.rows(Queries.importPrefetch(list: list, addresses: batch.map(\.address.value), dialect))
            var plan = ImportPlan(importID: importID, defaultStatus: consent.defaultStatus, dialect: dialect)
            for row in known {
                plan.known(
                    try Subscriber(row: row),
                    status: try row.optionalText("membership_status").map { raw throws(StoreError) in
                        guard let status = MembershipStatus(rawValue: raw) else {
                            throw StoreError.invalidData("unknown membership status \(raw)")
                        }
                        return status
                    },
                    importID: try row.optionalText("membership_import_id"))
            }
            let outcomes = try batch.map { row throws(StoreError) in try plan.apply(row) }

            var ids = plan.existingIDs
            let inserts = try plan.newSubscriberRecords()
            if inserts.count > 0 {
                for row in try tx.rows(Queries.insertSubscribers(inserts, now: now)) {
                    ids[NormalizedAddress(storedValue: try row.text("address"))] = SubscriberID(rawValue: try row.int("id"))
                }
            }
            let updates = try plan.changedSubscriberRecords()
            if updates.count > 0 {
                _ = try tx.changes(Queries.updateSubscribers(updates, now: now))
            }
            let memberships = try plan.membershipRecords(ids: ids)
            if memberships.count > 0 {
                _ = try tx.changes(Queries.upsertMemberships(memberships, list: list, importID: importID, now: now))
            }
            let consents = try plan.consentRecords(ids: ids)
            if consents.count > 0 {
                _ = try tx.changes(Queries.insertImportConsents(consents, list: list, consent: consent, at: now))
            }
            return outcomes
        }
    }

    /// Writes a batch of distinct rows as new subscribers, with their memberships and consent records,
    /// and returns true; or, when the database holds one of the addresses, writes nothing and returns
    /// false (the insert skips known addresses, and a batch that lost one is rolled back to its savepoint).
    private static func insertFresh(
        _ tx: any SQLTransaction, _ fresh: FreshImportBatch, _ batch: [ImportRow], into list: ListID, importID: String,
        consent: ImportConsent, now: Date, _ dialect: SQLDialect
    ) throws -> Bool {
        _ = try tx.changes(Queries.savepoint("fresh_import"))
        // How many went in, and the lowest and highest of their ids.
        let span: SQLRow?
        switch dialect {
        case .postgres:
            span = try tx.one(Queries.insertNewSubscribers(fresh.subscribers, now: now, dialect))
        case .sqlite:
            let before = try tx.one(Queries.highestSubscriberID)?.int("id") ?? 0
            _ = try tx.changes(Queries.insertNewSubscribers(fresh.subscribers, now: now, dialect))
            span = try tx.one(Queries.subscriberIDs(above: before))
        }
        guard let span, case let inserted = try span.int("n"), inserted == Int64(fresh.count) else {
            _ = try tx.changes(Queries.rollbackToSavepoint("fresh_import"))
            _ = try tx.changes(Queries.releaseSavepoint("fresh_import"))
            return false
        }
        _ = try tx.changes(Queries.releaseSavepoint("fresh_import"))
        if let change = fresh.uniformChange,
            let ids = fresh.newIDs(count: inserted, lowest: try span.int("lowest"), highest: try span.int("highest"))
        {
            _ = try tx.changes(Queries.insertMemberships(ids, status: change.status, list: list, importID: importID, now: now))
            if let kind = change.consent {
                _ = try tx.changes(Queries.insertImportConsents(ids, kind: kind, list: list, consent: consent, at: now))
            }
            return true
        }
        let ids = try fresh.ids(try tx.rows(Queries.subscriberIDs(addresses: batch.map(\.address.value), dialect)))
        _ = try tx.changes(Queries.insertMemberships(try fresh.membershipRecords(ids: ids), list: list, importID: importID, now: now))
        let consents = try fresh.consentRecords(ids: ids)
        if consents.count > 0 {
            _ = try tx.changes(Queries.insertImportConsents(consents, list: list, consent: consent, at: now))
        }
        return true
    }

    // MARK: Consent

    /// Appends a consent record.
    public func appendConsent(subscriber: SubscriberID, list: ListID, evidence: ConsentEvidence) async throws -> ConsentRecord {
        try await backend.transaction { tx in
            try Self.requireListAndSubscriber(tx, list: list, subscriber: subscriber)
            let row = try tx.one(Queries.insertConsent(subscriber: subscriber, list: list, evidence: evidence))
            return try ConsentRecord(row: try Self.required(row))
        }
    }

    /// A subscriber's consent records, oldest first.
    public func consentRecords(subscriber: SubscriberID) async throws -> [ConsentRecord] {
        try await backend.read(Queries.consentRecords(subscriber: subscriber)).map { row throws(StoreError) in
            try ConsentRecord(row: row)
        }
    }

    // MARK: Suppression

    /// Adds an address to the suppression list (audited); false when it was already there.
    @discardableResult
    public func addSuppression(_ suppression: Suppression, actor: AuditActor) async throws -> Bool {
        let now = clock.date
        return try await backend.transaction { tx in
            guard try tx.one(Queries.insertSuppression(suppression)) != nil else { return false }
            let event = NewAuditEvent(
                actor: actor, action: "suppression.add", subjectKind: "suppression",
                subjectID: suppression.address.value,
                details: ["reason": .string(suppression.reason.rawValue), "source": .string(suppression.source)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return true
        }
    }

    /// Removes an address from the suppression list (audited); false when it was not there.
    @discardableResult
    public func removeSuppression(_ address: NormalizedAddress, actor: AuditActor) async throws -> Bool {
        let now = clock.date
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.deleteSuppression(address)) else { return false }
            let removed = try Suppression(row: row)
            let event = NewAuditEvent(
                actor: actor, action: "suppression.remove", subjectKind: "suppression",
                subjectID: address.value, details: ["reason": .string(removed.reason.rawValue)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return true
        }
    }

    /// Which of these addresses are suppressed.
    public func suppressedAddresses(among addresses: [NormalizedAddress]) async throws -> Set<NormalizedAddress> {
        guard !addresses.isEmpty else { return [] }
        var found = Set<NormalizedAddress>()
        for row in try await backend.read(Queries.suppressed(among: addresses, dialect)) {
            found.insert(NormalizedAddress(storedValue: try row.text("address")))
        }
        return found
    }

    /// The suppression list, by address, paged.
    public func suppressions(after address: NormalizedAddress?, limit: Int) async throws -> [Suppression] {
        try await backend.read(Queries.suppressions(after: address, limit: limit)).map { row throws(StoreError) in
            try Suppression(row: row)
        }
    }

    // MARK: Campaigns

    /// Creates a campaign in `draft` (audited).
    public func createCampaign(_ content: CampaignContent, actor: AuditActor) async throws -> Campaign {
        let now = clock.date
        return try await backend.transaction { tx in
            guard try tx.one(Queries.list(id: content.listID)) != nil else {
                throw StoreError.notFound(.list(content.listID))
            }
            if let original = content.followUpOf { _ = try Self.campaign(tx, original, lock: "") }
            let campaign = try Campaign(
                row: try Self.required(try tx.one(try Queries.insertCampaign(content, createdBy: actor.displayName, now: now))))
            let event = NewAuditEvent(
                actor: actor, action: "campaign.create", subjectKind: "campaign",
                subjectID: "\(campaign.id.rawValue)", details: ["name": .string(content.name)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return campaign
        }
    }

    /// The campaign with this key, or nil.
    public func campaign(id: CampaignID) async throws -> Campaign? {
        try await backend.one(Queries.campaign(id: id)).map { row throws(StoreError) in try Campaign(row: row) }
    }

    /// All campaigns, newest first.
    public func allCampaigns() async throws -> [Campaign] {
        try await backend.read(Queries.allCampaigns).map { row throws(StoreError) in try Campaign(row: row) }
    }

    /// Replaces a draft's content (audited).
    public func updateDraft(_ id: CampaignID, content: CampaignContent, actor: AuditActor) async throws -> Campaign {
        let clock = clock
        let lock = dialect.forUpdate
        return try await backend.transaction { tx in
            let current = try Self.campaign(tx, id, lock: lock)
            // The time is read once this transaction holds the write lock (SQLite) or the campaign row
            // (PostgreSQL): every claim before it has committed and none after it sees `sending`, so
            // `updatedAt` is when a pause or abort took effect, not when it started waiting.
            let now = clock.date
            guard current.state == .draft else { throw StoreError.campaignNotEditable(campaign: id, state: current.state) }
            guard try tx.one(Queries.list(id: content.listID)) != nil else {
                throw StoreError.notFound(.list(content.listID))
            }
            let updated = try Campaign(row: try Self.required(try tx.one(try Queries.updateCampaignContent(id, content, now: now))))
            let event = NewAuditEvent(actor: actor, action: "campaign.update", subjectKind: "campaign", subjectID: "\(id.rawValue)")
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return updated
        }
    }

    /// Moves a campaign between states with its audit event, atomically (see ``MailStore/transition(_:from:to:actor:details:)``).
    public func transition(
        _ id: CampaignID, from: Set<CampaignState>, to: CampaignState, actor: AuditActor,
        details: [String: JSONValue], deadline: Date?
    ) async throws -> Campaign {
        let clock = clock
        let lock = dialect.forUpdate
        return try await backend.transaction { tx in
            let current = try Self.campaign(tx, id, lock: lock)
            // The time is read once this transaction holds the write lock (SQLite) or the campaign row
            // (PostgreSQL): every claim before it has committed and none after it sees `sending`, so
            // `updatedAt` is when a pause or abort took effect, not when it started waiting.
            let now = clock.date
            guard from.contains(current.state), current.state.canTransition(to: to) else {
                throw StoreError.invalidTransition(campaign: id, current: current.state, to: to)
            }
            if Self.starts(from: current.state, to: to) { try Self.refuseWhileStopped(tx) }
            var pause: (reason: String, from: CampaignState)?
            if to == .paused {
                if case .string(let reason) = details["reason"] { pause = (reason, current.state) } else { pause = ("operator", current.state) }
            }
            let updated = try Campaign(
                row: try Self.required(try tx.one(Queries.setCampaignState(id, to, pause: pause, deadline: deadline, now: now))))
            if current.state == .paused, current.pauseReason?.hasPrefix("brake:") == true {
                // Going on after a brake: the brakes judge what comes next, not the outcomes they paused for.
                _ = try tx.changes(Queries.restartBrakeWindow(id))
            }
            var fixed: [String: JSONValue] = ["from": .string(current.state.rawValue), "to": .string(to.rawValue)]
            if let deadline { fixed["deadline"] = .string(deadline.formatted(.iso8601)) }
            let event = NewAuditEvent(
                actor: actor, action: "campaign.transition", subjectKind: "campaign", subjectID: "\(id.rawValue)",
                details: details.merging(fixed, uniquingKeysWith: { _, fixed in fixed }))
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return updated
        }
    }

    /// Whether `from → to` starts delivery (or its undo window) rather than going on with it.
    static func starts(from: CampaignState, to: CampaignState) -> Bool {
        [.pending, .canary, .canaryHold, .sending].contains(to) && ![.canary, .canaryHold, .sending].contains(from)
    }

    /// Throws ``StoreError/refused(_:)`` while the emergency stop holds: checked in the transaction that
    /// would start a campaign, so a stop that committed first is never overtaken by a start that began
    /// before it (on SQLite the two are serialised; on PostgreSQL a start that commits while the stop's
    /// transaction is still open can slip through).
    static func refuseWhileStopped(_ tx: any SQLTransaction) throws {
        if let latch = try tx.one(SQLStatement("SELECT reason FROM latches WHERE name = ?", [.text(Latch.emergencyStop)])) {
            throw StoreError.refused(
                "an emergency stop is in force (\(try latch.text("reason"))); nothing starts until `bulkhead stop --release`")
        }
    }

    static func campaign(_ tx: any SQLTransaction, _ id: CampaignID, lock: String) throws -> Campaign {
        guard let row = try tx.one(Queries.campaign(id: id, lock: lock)) else {
            throw StoreError.notFound(.campaign(id))
        }
        return try Campaign(row: row)
    }

    /// Who a send would queue now, and who is left out and why (see ``MailStore/audience(campaign:)``).
    public func audience(campaign id: CampaignID) async throws -> AudienceCounts {
        guard let campaign = try await campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        var counts = AudienceCounts(eligible: 0, excluded: [:])
        for row in try await backend.read(try Queries.audienceClasses(campaign, dialect)) {
            let name = try row.text("audience_class")
            let n = Int(try row.int("n"))
            if name == "eligible" {
                counts.eligible = n
            } else if let exclusion = AudienceCounts.Exclusion(rawValue: name) {
                counts.excluded[exclusion] = n
            } else {
                throw StoreError.invalidData("unknown audience class \(name)")
            }
        }
        return counts
    }

    /// One page of the subscribers a send would queue now (see ``MailStore/audienceMembers(campaign:after:limit:)``).
    public func audienceMembers(campaign id: CampaignID, after: AudiencePage.Position?, limit: Int) async throws -> AudiencePage {
        guard let campaign = try await campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        let limit = max(1, limit)
        let statement =
            if let incident = campaign.content.followUpOf {
                Queries.followUpMembers(campaign, of: incident, after: after?.key, limit: limit)
            } else {
                try Queries.audienceMembers(campaign, after: after?.key, limit: limit, dialect)
            }
        let page = { @Sendable (row: SQLRow) throws(StoreError) in (key: try row.int("audience_key"), subscriber: try Subscriber(row: row)) }
        let rows: [(key: Int64, subscriber: Subscriber)]
        switch dialect {
        case .sqlite:
            rows = try await backend.read(statement, each: page)
        case .postgres:
            rows = try await backend.transaction { tx in
                _ = try tx.rows(Queries.audiencePageInMemberOrder)
                return try tx.rows(statement).map(page)
            }
        }
        return AudiencePage(
            members: rows.map(\.subscriber), next: rows.count == limit ? rows.last.map { AudiencePage.Position(key: $0.key) } : nil)
    }

    // MARK: Ledger

    /// Queues the campaign's recipients in one INSERT … SELECT (idempotent; a follow-up from its
    /// incident's ledger, see ``MailStore/enqueueRecipients(campaign:)``); returns how many were added.
    @discardableResult
    public func enqueueRecipients(campaign id: CampaignID, atMost: Int?) async throws -> Int {
        let now = clock.date
        let dialect = dialect
        let added = try await backend.transaction { tx in
            let campaign = try Self.campaign(tx, id, lock: dialect.forShare)
            guard !campaign.state.isTerminal else { throw StoreError.campaignFinished(campaign: id, state: campaign.state) }
            if let incident = campaign.content.followUpOf {
                // Never the whole list: the original's recipients. Locking the original's row makes
                // follow-ups of one incident queue one after the other, each seeing the others' entries.
                _ = try Self.campaign(tx, incident, lock: dialect.forUpdate)
                return try Self.bounded(try tx.changes(Queries.enqueueFollowUp(campaign, of: incident, now: now, dialect)), atMost)
            }
            return try Self.bounded(try tx.changes(try Queries.enqueue(campaign, now: now, dialect)), atMost)
        }
        if dialect == .postgres && added > 0 {
            // Fresh statistics before the first claim: without them PostgreSQL's planner took the new
            // rows for few, and sorted every queued entry on each claim (10-20 ms a claim at 100,000)
            // instead of reading the first ones in order from ledger_by_state.
            _ = try await backend.transaction { tx in try tx.changes(SQLStatement("ANALYZE ledger", [])) }
        }
        return added
    }

    /// `added`, or a refusal (rolling the transaction back) when it exceeds `atMost`.
    private static func bounded(_ added: Int, _ atMost: Int?) throws(StoreError) -> Int {
        guard let atMost, added > atMost else { return added }
        throw .refused(
            "the audience grew from \(atMost) to \(added) since it was checked (members joined meanwhile); nothing was queued: run the command again and confirm the new count"
        )
    }

    /// Claims up to `limit` due entries for `worker` (see ``MailStore/claim(campaign:worker:limit:)``).
    public func claim(campaign id: CampaignID, worker: String, limit: Int) async throws -> [LedgerEntry] {
        try await completeAndClaim([], campaign: id, worker: worker, limit: limit, queuedAfter: nil)
    }

    /// Records outcomes and claims the next entries in one transaction (see
    /// ``MailStore/completeAndClaim(_:campaign:worker:limit:queuedAfter:)``). Candidates that opted out
    /// since they were queued become `suppressed` in the claim and are not returned; when a whole claim
    /// was such entries, the next ones are claimed (in a further transaction).
    public func completeAndClaim(
        _ outcomes: [LedgerOutcome], campaign id: CampaignID, worker: String, limit: Int,
        queuedAfter: LedgerEntryID?
    ) async throws -> [LedgerEntry] {
        var outcomes = outcomes
        var after = queuedAfter
        while true {
            let rows = try await completeAndClaimOnce(outcomes, campaign: id, worker: worker, limit: limit, queuedAfter: after)
            outcomes = []
            let claimed = rows.filter { $0.state == .sending }
            guard claimed.isEmpty, let highest = rows.last?.id else { return claimed }
            after = max(after ?? highest, highest)
        }
    }

    private func completeAndClaimOnce(
        _ outcomes: [LedgerOutcome], campaign id: CampaignID, worker: String, limit: Int,
        queuedAfter: LedgerEntryID?
    ) async throws -> [LedgerEntry] {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            if !outcomes.isEmpty { _ = try Self.recordOutcomes(tx, outcomes, now: now, dialect) }
            guard limit > 0 else { return [] }
            // Only a `sending` campaign is claimable, and a `canary` one for its canary wave. FOR SHARE
            // (PostgreSQL): a concurrent pause/abort waits for this claim, and later claims see it.
            // (SQLite has one writer, so nothing needs locking; the claim checks the state itself too.)
            let state = try Self.campaign(tx, id, lock: dialect.forShare).state
            guard state == .sending || state == .canary else { return [] }
            return try Self.claimedEntries(
                try tx.rows(
                    Queries.claim(
                        id, worker: worker, limit: limit, queuedAfter: queuedAfter, canaryOnly: state == .canary,
                        now: now, dialect)))
        }
    }

    /// A claim's returned rows as entries (`sending` and just-`suppressed` ones), ordered by key.
    private static func claimedEntries(_ rows: [SQLRow]) throws(StoreError) -> [LedgerEntry] {
        try rows.map { row throws(StoreError) in try LedgerEntry(row: row) }.sorted { $0.id < $1.id }
    }

    /// Records outcomes of claimed entries in one transaction; returns how many applied.
    @discardableResult
    public func complete(_ outcomes: [LedgerOutcome]) async throws -> Int {
        guard !outcomes.isEmpty else { return 0 }
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            try Self.recordOutcomes(tx, outcomes, now: now, dialect)
        }
    }

    /// Turns `sending` entries into `uncertain` after a crash (audited); returns how many changed.
    @discardableResult
    public func recoverInterrupted(campaign: CampaignID?, worker: String?) async throws -> Int {
        let now = clock.date
        return try await backend.transaction { tx in
            let count = try tx.changes(Queries.recoverInterrupted(campaign: campaign, worker: worker, now: now))
            if count > 0 {
                var details: [String: JSONValue] = ["entries": .number(Double(count))]
                if let worker { details["worker"] = .string(worker) }
                let event = NewAuditEvent(
                    actor: .system, action: "ledger.recover-interrupted", subjectKind: "campaign",
                    subjectID: campaign.map { "\($0.rawValue)" } ?? "*", details: details)
                _ = try tx.rows(try Queries.insertAudit(event, now: now))
            }
            return count
        }
    }

    /// Recovers a dead worker's `sending` entries with its in-flight journal (see
    /// ``MailStore/recoverInterrupted(campaign:worker:evidence:)``).
    @discardableResult
    public func recoverInterrupted(campaign: CampaignID, worker: String, evidence: InterruptedRunEvidence) async throws -> RecoveryCounts {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            var held = Set<EntryAttempt>()
            for row in try tx.rows(
                SQLStatement(
                    """
                    SELECT id, attempts FROM ledger WHERE campaign_id = ? AND state = 'sending' AND claimed_by = ?\(dialect.forUpdate)
                    """, [.int(campaign.rawValue), .text(worker)]))
            {
                held.insert(EntryAttempt(id: LedgerEntryID(rawValue: try row.int("id")), attempt: Int(try row.int("attempts"))))
            }
            var counts = RecoveryCounts()
            let finished = evidence.finished.filter { held.contains(EntryAttempt(id: $0.entryID, attempt: $0.attempt)) }
            if !finished.isEmpty {
                counts.completed = try Self.recordOutcomes(tx, finished, now: now, dialect)
            }
            let done = Set(finished.map { EntryAttempt(id: $0.entryID, attempt: $0.attempt) })
            let neverStarted = held.filter { !evidence.started.contains($0) && !done.contains($0) }.map(\.id.rawValue).sorted()
            for start in stride(from: 0, to: neverStarted.count, by: 500) {
                let chunk = neverStarted[start..<min(neverStarted.count, start + 500)]
                counts.requeued += try tx.changes(
                    SQLStatement(
                        """
                        UPDATE ledger SET state = 'queued', attempts = attempts - 1, claimed_by = NULL, updated_at = ?
                        WHERE state = 'sending' AND claimed_by = ? AND id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))
                        """, [SQLValue(now), .text(worker)] + chunk.map { .int($0) }))
            }
            counts.uncertain = try tx.changes(Queries.recoverInterrupted(campaign: campaign, worker: worker, now: now))
            let event = NewAuditEvent(
                actor: .system, action: "ledger.recover-interrupted", subjectKind: "campaign",
                subjectID: "\(campaign.rawValue)",
                details: [
                    "worker": .string(worker), "journal": .bool(true),
                    "requeued": .number(Double(counts.requeued)),
                    "completed": .number(Double(counts.completed)),
                    "entries": .number(Double(counts.uncertain)),
                ])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return counts
        }
    }

    /// Makes the campaign's `uncertain` entries claimable again (audited); returns how many. A `sent`
    /// campaign is reopened as `paused`.
    @discardableResult
    public func requeueUncertain(campaign: CampaignID, actor: AuditActor) async throws -> Int {
        try await requeue(
            campaign, Queries.requeueUncertain(campaign: campaign, now: clock.date), action: "ledger.requeue-uncertain",
            details: [:], actor: actor)
    }

    /// Makes the campaign's `failed` entries (all, or those whose last reply had `replyCode`) claimable
    /// again with a fresh attempt count (audited); returns how many. A `sent` campaign is reopened as
    /// `paused`.
    @discardableResult
    public func requeueFailed(campaign: CampaignID, replyCode: Int?, actor: AuditActor) async throws -> Int {
        var details: [String: JSONValue] = [:]
        if let replyCode { details["reply_code"] = .number(Double(replyCode)) }
        return try await requeue(
            campaign, Queries.requeueFailed(campaign: campaign, replyCode: replyCode, now: clock.date),
            action: "ledger.requeue-failed", details: details, actor: actor)
    }

    /// Runs a requeue statement with its audit event; reopens a `sent` campaign that got entries back.
    private func requeue(
        _ id: CampaignID, _ statement: SQLStatement, action: String, details: [String: JSONValue],
        actor: AuditActor
    ) async throws -> Int {
        let clock = clock
        let lock = dialect.forUpdate
        return try await backend.transaction { tx in
            let campaign = try Self.campaign(tx, id, lock: lock)
            let now = clock.date
            let count = try tx.changes(statement)
            let event = NewAuditEvent(
                actor: actor, action: action, subjectKind: "campaign", subjectID: "\(id.rawValue)",
                details: details.merging(["entries": .number(Double(count))]) { $1 })
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            if count > 0 && campaign.state == .sent {
                _ = try tx.one(Queries.setCampaignState(id, .paused, pause: (action, .sending), deadline: nil, now: now))
                let reopened = NewAuditEvent(
                    actor: actor, action: "campaign.transition", subjectKind: "campaign", subjectID: "\(id.rawValue)",
                    details: ["from": .string("sent"), "to": .string("paused"), "reason": .string(action)])
                _ = try tx.rows(try Queries.insertAudit(reopened, now: now))
            }
            return count
        }
    }

    /// How many of the campaign's entries are in each state (optionally only those changed since a time).
    public func ledgerCounts(campaign: CampaignID, updatedSince: Date?) async throws -> LedgerCounts {
        var counts: [LedgerState: Int] = [:]
        for row in try await backend.read(Queries.ledgerCounts(campaign: campaign, updatedSince: updatedSince)) {
            counts[try row.enumValue(LedgerState.self, "state")] = Int(try row.int("n"))
        }
        return LedgerCounts(byState: counts)
    }

    /// One page of ledger entries, by key.
    public func ledgerPage(_ query: LedgerQuery) async throws -> [LedgerEntry] {
        try await backend.read(Queries.ledgerPage(query, dialect)).map { row throws(StoreError) in try LedgerEntry(row: row) }
    }

    /// The entry carrying this VERP token, or nil.
    public func ledgerEntry(verpToken: String) async throws -> LedgerEntry? {
        try await backend.one(Queries.ledgerEntry(verpToken: verpToken)).map { row throws(StoreError) in try LedgerEntry(row: row) }
    }

    // MARK: Latches

    /// Sets the emergency stop and pauses every campaign under way (see ``MailStore/emergencyStop(reason:actor:)``).
    public func emergencyStop(reason: String, actor: AuditActor) async throws -> [CampaignID] {
        let clock = clock
        let dialect = dialect
        return try await backend.transaction { tx in
            let now = clock.date
            _ = try tx.changes(Queries.setLatch(Latch.emergencyStop, now: now, setBy: actor.displayName, reason: reason))
            _ = try tx.rows(
                try Queries.insertAudit(
                    NewAuditEvent(
                        actor: actor, action: "store.stop-all", subjectKind: "store", subjectID: Latch.emergencyStop,
                        details: ["reason": .string(reason)]), now: now))
            let states = CampaignState.stoppable.map(\.rawValue).sorted()
            let rows = try tx.rows(
                SQLStatement(
                    "SELECT * FROM campaigns WHERE \(dialect.inTextArray("state")) ORDER BY id\(dialect.forUpdate)", [.textArray(states)]))
            var paused: [CampaignID] = []
            for row in rows {
                let campaign = try Campaign(row: row)
                _ = try tx.one(
                    Queries.setCampaignState(campaign.id, .paused, pause: ("stop-all", campaign.state), deadline: nil, now: now))
                let event = NewAuditEvent(
                    actor: actor, action: "campaign.transition", subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)",
                    details: ["from": .string(campaign.state.rawValue), "to": "paused", "reason": "stop-all", "note": .string(reason)])
                _ = try tx.rows(try Queries.insertAudit(event, now: now))
                paused.append(campaign.id)
            }
            return paused
        }
    }

    /// The latch with this name, or nil when it is not set.
    public func latch(named name: String) async throws -> Latch? {
        try await backend.one(SQLStatement("SELECT * FROM latches WHERE name = ?", [.text(name)])).map { row throws(StoreError) in
            Latch(name: try row.text("name"), setAt: try row.date("set_at"), setBy: try row.text("set_by"), reason: try row.text("reason"))
        }
    }

    /// Releases a latch (audited); returns false when it was not set.
    @discardableResult
    public func releaseLatch(named name: String, actor: AuditActor) async throws -> Bool {
        let clock = clock
        return try await backend.transaction { tx in
            let now = clock.date
            guard try tx.changes(SQLStatement("DELETE FROM latches WHERE name = ?", [.text(name)])) > 0 else { return false }
            let event = NewAuditEvent(actor: actor, action: "store.release", subjectKind: "store", subjectID: name)
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return true
        }
    }

    // MARK: Secrets

    /// The store-wide secret `name`, created from `make()` by the first caller.
    public func secret(named name: String, orCreate make: @Sendable () -> String) async throws -> String {
        if let row = try await backend.one(SQLStatement("SELECT value FROM store_secrets WHERE name = ?", [.text(name)])) {
            return try row.text("value")
        }
        let now = clock.date
        let made = make()
        return try await backend.transaction { tx in
            _ = try tx.changes(
                SQLStatement(
                    """
                    INSERT INTO store_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING
                    """, [.text(name), .text(made), SQLValue(now)]))
            guard let row = try tx.one(SQLStatement("SELECT value FROM store_secrets WHERE name = ?", [.text(name)])) else {
                throw StoreError.database("the secret \(name) was not stored")
            }
            return try row.text("value")
        }
    }

    // MARK: Audit

    /// Appends an audit event.
    @discardableResult
    public func appendAudit(_ event: NewAuditEvent) async throws -> AuditEvent {
        let now = clock.date
        return try await backend.transaction { tx in
            try AuditEvent(row: try Self.required(try tx.one(try Queries.insertAudit(event, now: now))))
        }
    }

    /// Audit events matching the query, oldest first.
    public func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent] {
        try await backend.read(Queries.auditEvents(query)).map { row throws(StoreError) in try AuditEvent(row: row) }
    }

    // MARK: Helpers

    static func required(_ row: SQLRow?) throws(StoreError) -> SQLRow {
        guard let row else { throw .database("a write with RETURNING returned no row") }
        return row
    }

    /// Runs raw SQL in a transaction (tests use it to prove the database refuses audit changes).
    func executeRaw(_ sql: String) async throws -> Int {
        try await backend.transaction { tx in try tx.changes(SQLStatement(sql)) }
    }
}
