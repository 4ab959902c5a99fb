public import BulkheadPolicy
import Foundation

/// The guard relay's messages, hold queue, per-recipient deliveries and per-sender breakers.
extension SQLMailStore {
    /// Files a received message and decides where it goes (see ``MailStore/receiveRelayMessage(_:breaker:)``).
    /// Messages received at the same moment share one transaction (``CommitGroup``): twenty sessions
    /// submitting at once cost a commit or two, not twenty.
    public func receiveRelayMessage(_ message: NewRelayMessage, breaker: SenderBreakerLimits) async throws -> RelayReceipt {
        let filing = RelayFiling(message: message, recipients: try Self.relayRecipients(message.recipients), breaker: breaker)
        return try await relayFilings.submit(filing) { [self] batch in try await self.file(batch) }
    }

    /// Files `batch` in one transaction, in order (a sender's later message counts its earlier ones).
    private func file(_ batch: [RelayFiling]) async throws -> [RelayReceipt] {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            // The senders' locks in one order, so that two workers' batches cannot deadlock.
            for sender in Set(batch.map(\.message.sender)).sorted() {
                if let lock = Queries.lockRelaySender(sender, dialect) { _ = try tx.rows(lock) }
            }
            return try batch.map { filing in try Self.file(filing, tx, now: now) }
        }
    }

    /// Files one message inside a transaction that holds its sender's lock.
    private static func file(_ filing: RelayFiling, _ tx: any SQLTransaction, now: Date) throws -> RelayReceipt {
        let message = filing.message
        let breaker = filing.breaker
        let id = RelayMessageID(rawValue: try Self.required(try tx.one(try Queries.insertRelayMessage(message, now: now))).int("id"))
        _ = try tx.changes(Queries.insertRelayRecipients(filing.recipients, message: id, now: now))
        // The window is counted only for a sender whose breaker is closed and on: then it holds fewer
        // than `breaker.messages` messages (the one that reaches it trips the breaker), so the count
        // stays small however much a sender sends; with the breaker off nothing is counted.
        func volume() throws -> SenderVolume {
            let since = now.addingTimeInterval(-breaker.window.seconds)
            let counted = try Self.required(try tx.one(Queries.relaySenderVolume(message.sender, since: since)))
            return SenderVolume(messages: Int(try counted.int("messages")), distinctRecipients: Int(try counted.int("recipients")))
        }

        var state = RelayMessageState.held
        var holdReason: RelayHoldReason?
        var relayAfter: Date?
        var tripped = false
        if breaker.isOn, try tx.one(Queries.openRelayBreaker(message.sender)) != nil {
            holdReason = .breakerOpen
        } else if breaker.isOn, breaker.isTripped(by: try volume()) {
            _ = try tx.changes(Queries.insertRelayBreaker(message.sender, trippedBy: id, now: now))
            holdReason = .breakerTripped
            tripped = true
        } else if message.disposition == .hold {
            holdReason = .findings
        } else if try Self.isStopped(tx) {
            holdReason = .stopped
        } else if case .relay(let after?) = message.disposition {
            state = .waiting
            relayAfter = after
        } else {
            state = .queued
        }
        _ = try tx.changes(Queries.fileRelayMessage(id, state: state, holdReason: holdReason, relayAfter: relayAfter))
        if tripped {
            // The sender is the account holder (or its MAIL FROM): who the breaker is about.
            let event = NewAuditEvent(
                actor: .system, action: "relay.breaker-trip", subjectKind: "relay-sender", subjectID: message.sender.description,
                details: ["message": .number(Double(id.rawValue))])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
        }
        if let holdReason { _ = try tx.rows(try Queries.insertAudit(Self.holdEvent(id, holdReason, message.findings), now: now)) }
        return RelayReceipt(id: id, state: state, holdReason: holdReason, breakerTripped: tripped)
    }

    /// The audit event of a message filed as held (read by the `relay.held` webhook): its reason and
    /// the codes of its findings, never an address.
    static func holdEvent(_ id: RelayMessageID, _ reason: RelayHoldReason, _ findings: [Finding]) -> NewAuditEvent {
        NewAuditEvent(
            actor: .system, action: "relay.hold", subjectKind: "relay-message", subjectID: "\(id.rawValue)",
            details: ["reason": .string(reason.rawValue), "codes": .array(findings.map { .string($0.code) })])
    }

    /// The envelope recipients as filed: each ``AddressKey`` once (its first spelling), in order.
    /// Throws ``StoreError/invalidData(_:)`` when there is none, ``StoreError/invalidAddress(_:reason:)``
    /// for an empty one.
    private static func relayRecipients(_ addresses: [String]) throws(StoreError) -> [(address: String, key: AddressKey)] {
        guard !addresses.isEmpty else { throw .invalidData("a relayed message needs at least one recipient") }
        var seen = Set<String>()
        var recipients: [(address: String, key: AddressKey)] = []
        for address in addresses {
            guard !address.isEmpty else { throw .invalidAddress(address, reason: "empty recipient") }
            let key = AddressKey(envelope: address)
            if seen.insert(key.text).inserted { recipients.append((address, key)) }
        }
        return recipients
    }

    /// Whether the emergency stop is latched, read inside the transaction.
    static func isStopped(_ tx: any SQLTransaction) throws -> Bool {
        try tx.one(Queries.isLatched(Latch.emergencyStop)) != nil
    }

    /// One relayed message with its recipients, or nil.
    public func relayMessage(_ id: RelayMessageID) async throws -> RelayMessageRecord? {
        guard let row = try await backend.one(Queries.relayMessage(id)) else { return nil }
        return try Self.records([row], recipients: try await backend.read(Queries.relayRecipients(of: [id], dialect))).first
    }

    /// The octets of a relayed message as filed, or nil.
    public func relayMessageBytes(_ id: RelayMessageID) async throws -> [UInt8]? {
        try await backend.one(Queries.relayMessageBytes(id)).map { row throws(StoreError) in try row.bytes("bytes") }
    }

    /// Relayed messages in these states (all when nil), newest first, paged by key.
    public func relayMessages(states: Set<RelayMessageState>?, before: RelayMessageID?, limit: Int) async throws -> [RelayMessageRecord] {
        let rows = try await backend.read(Queries.relayMessages(states: states, before: before, limit: limit, dialect))
        guard !rows.isEmpty else { return [] }
        return try Self.records(rows, recipients: try await backend.read(Queries.relayRecipients(of: try Self.ids(rows), dialect)))
    }

    /// The keys of message rows.
    private static func ids(_ rows: [SQLRow]) throws(StoreError) -> [RelayMessageID] {
        try rows.map { row throws(StoreError) in RelayMessageID(rawValue: try row.int("id")) }
    }

    /// Message rows as records, each with its rows among `recipients` (in the order submitted).
    private static func records(_ rows: [SQLRow], recipients recipientRows: [SQLRow]) throws(StoreError) -> [RelayMessageRecord] {
        var recipients: [RelayMessageID: [RelayRecipient]] = [:]
        for row in recipientRows {
            recipients[RelayMessageID(rawValue: try row.int("message_id")), default: []].append(try RelayRecipient(row: row))
        }
        return try zip(try ids(rows), rows).map { id, row throws(StoreError) in
            try RelayMessageRecord(row: row, recipients: recipients[id] ?? [])
        }
    }

    /// Applies a person's release, discard or recall (see ``MailStore/decideRelayMessage(_:_:actor:)``).
    public func decideRelayMessage(_ id: RelayMessageID, _ decision: RelayDecision, actor: AuditActor) async throws -> RelayMessageRecord {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.relayMessage(id, lock: dialect.forUpdate)) else {
                throw StoreError.notFound(.relayMessage(id))
            }
            let message = try RelayMessageRecord(row: row, recipients: [])
            let (action, verb, needed): (String, String, RelayMessageState) =
                switch decision {
                case .release: ("relay.release", "released", .held)
                case .discard: ("relay.discard", "discarded", .held)
                case .recall: ("relay.recall", "recalled", .waiting)
                }
            guard message.state == needed else {
                throw StoreError.refused(
                    "relayed message \(id.rawValue) is \(message.state.rawValue): only a \(needed.rawValue) message can be \(verb)")
            }
            var details: [String: JSONValue] = ["sender": .string(message.sender.description), "from": .string(message.state.rawValue)]
            if let reason = message.holdReason { details["hold_reason"] = .string(reason.rawValue) }
            if case .release(let form) = decision, form != .original, message.list != nil {
                throw StoreError.refused(
                    "relayed message \(id.rawValue) is a list post: each member gets a copy of their own already; --split and --bcc do not apply")
            }
            switch decision {
            case .release(let form):
                details["copy_form"] = .string(form.rawValue)
                _ = try tx.changes(
                    Queries.decideRelayMessage(id, state: .queued, holdReason: nil, copyForm: form, decidedBy: actor.displayName, now: now))
                _ = try tx.changes(Queries.relayRecipientsDue(message: id, now: now))
            case .discard:
                _ = try tx.changes(
                    Queries.decideRelayMessage(
                        id, state: .discarded, holdReason: nil, copyForm: message.copyForm, decidedBy: actor.displayName, now: now))
                _ = try tx.changes(Queries.discardRelayRecipients(message: id, now: now))
            case .recall:
                _ = try tx.changes(
                    Queries.decideRelayMessage(
                        id, state: .held, holdReason: .recalled, copyForm: message.copyForm, decidedBy: actor.displayName, now: now))
            }
            let event = NewAuditEvent(actor: actor, action: action, subjectKind: "relay-message", subjectID: "\(id.rawValue)", details: details)
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return try Self.records(
                [try Self.required(try tx.one(Queries.relayMessage(id)))], recipients: try tx.rows(Queries.relayRecipients(of: [id], dialect))
            )[0]
        }
    }

    /// Marks that the sender's notice about this message went out; false when it had been marked already.
    public func markRelaySenderNotified(_ id: RelayMessageID) async throws -> Bool {
        try await backend.transaction { tx in
            if try tx.changes(Queries.markRelaySenderNotified(id)) > 0 { return true }
            guard try tx.one(Queries.relayMessage(id)) != nil else { throw StoreError.notFound(.relayMessage(id)) }
            return false
        }
    }

    /// Claims due recipients for `worker` (see ``MailStore/claimRelayDeliveries(worker:limit:)``).
    ///
    /// The suppression list is keyed by ``NormalizedAddress``; a recipient whose address cannot be
    /// normalised cannot be on it, so it is claimed (the next hop refuses an address that is no address).
    public func claimRelayDeliveries(worker: String, limit: Int) async throws -> [RelayDelivery] {
        try await completeAndClaimRelayDeliveries([], worker: worker, limit: limit)
    }

    /// Records outcomes; a message whose recipients are all final becomes `done`.
    @discardableResult
    public func completeRelayDeliveries(_ outcomes: [RelayDeliveryOutcome]) async throws -> Int {
        guard !outcomes.isEmpty else { return 0 }
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in try Self.complete(outcomes, tx, now: now, dialect) }
    }

    /// Records `outcomes`, then claims (see ``MailStore/completeAndClaimRelayDeliveries(_:worker:limit:)``).
    public func completeAndClaimRelayDeliveries(_ outcomes: [RelayDeliveryOutcome], worker: String, limit: Int) async throws -> [RelayDelivery] {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            try Self.complete(outcomes, tx, now: now, dialect)
            return try Self.claim(worker: worker, limit: limit, tx, now: now, dialect)
        }
    }

    /// Claims inside a transaction (see ``MailStore/claimRelayDeliveries(worker:limit:)``).
    private static func claim(worker: String, limit: Int, _ tx: any SQLTransaction, now: Date, _ dialect: SQLDialect) throws -> [RelayDelivery] {
        let stopped = try Self.isStopped(tx)
        _ = try tx.changes(Queries.endRelayUndoWindows(stopped: stopped, now: now))
        guard !stopped, limit > 0 else { return [] }
        let candidates = try tx.rows(Queries.relayClaimCandidates(limit: limit, now: now, dialect)).map { row throws(StoreError) in
            RelayDelivery(
                id: try row.int("id"), message: RelayMessageID(rawValue: try row.int("message_id")), mailFrom: try row.text("mail_from"),
                recipient: try row.text("address"), copyForm: try row.enumValue(RelayCopyForm.self, "copy_form"),
                attempt: Int(try row.int("attempts")) + 1,
                listMember: try row.optionalInt("list_id").flatMap { list throws(StoreError) in
                    try row.optionalInt("subscriber_id").map { .init(list: ListID(rawValue: list), subscriber: SubscriberID(rawValue: $0)) }
                })
        }
        guard !candidates.isEmpty else { return [] }
        let optOuts = try Self.optOutReasons(candidates, tx, dialect)
        var claimed: [RelayDelivery] = []
        var suppressed = Set<RelayMessageID>()
        for delivery in candidates {
            if let reason = optOuts[delivery.id] {
                _ = try tx.changes(Queries.suppressRelayRecipient(delivery.id, reason: reason, now: now))
                suppressed.insert(delivery.message)
            } else {
                claimed.append(delivery)
            }
        }
        if !claimed.isEmpty { _ = try tx.changes(Queries.sendRelayRecipients(claimed.map(\.id), worker: worker, now: now, dialect)) }
        try Self.finish(tx, suppressed, dialect)
        return claimed
    }

    /// Why each of `deliveries` that must not be sent must not (by recipient key): its address is
    /// suppressed, or a list copy's member is no longer a confirmed member of the list.
    private static func optOutReasons(
        _ deliveries: [RelayDelivery], _ tx: any SQLTransaction, _ dialect: SQLDialect
    ) throws -> [Int64: String] {
        let stillMembers = try Self.stillMembers(tx, deliveries.compactMap(\.listMember), dialect)
        let normalized = deliveries.map { try? NormalizedAddress($0.recipient) }
        var reasons: [NormalizedAddress: String] = [:]
        for row in try tx.rows(Queries.suppressionReasons(among: Array(Set(normalized.compactMap { $0 })), dialect)) {
            reasons[NormalizedAddress(storedValue: try row.text("address"))] = try row.text("reason")
        }
        var optOuts: [Int64: String] = [:]
        for (delivery, address) in zip(deliveries, normalized) {
            if let address, let reason = reasons[address] {
                optOuts[delivery.id] = "suppressed: \(reason)"
            } else if let member = delivery.listMember, !stillMembers.contains(member) {
                optOuts[delivery.id] = "no longer a confirmed member of the list"
            }
        }
        return optOuts
    }

    /// Looks at the opt-outs again for claimed recipients not yet handed over (see
    /// ``MailStore/withdrawOptedOutRelayDeliveries(_:)``).
    public func withdrawOptedOutRelayDeliveries(_ deliveries: [RelayDelivery]) async throws -> Set<Int64> {
        guard !deliveries.isEmpty else { return [] }
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            // Not `sending` in the claimed attempt any more (another worker recovered it): never sent from here.
            let claimed = Dictionary(deliveries.map { ($0.id, Int64($0.attempt)) }, uniquingKeysWith: { first, _ in first })
            var keptBack = Set(claimed.keys)
            for row in try tx.rows(
                SQLStatement(
                    "SELECT id, state, attempts FROM relay_recipients WHERE \(dialect.inIntArray("id"))", [.intArray(Array(claimed.keys))]))
            {
                let id = try row.int("id")
                if try row.text("state") == "sending", try row.int("attempts") == claimed[id] { keptBack.remove(id) }
            }
            var messages = Set<RelayMessageID>()
            for (id, reason) in try Self.optOutReasons(deliveries, tx, dialect) {
                guard let delivery = deliveries.first(where: { $0.id == id }) else { continue }
                keptBack.insert(id)
                if try tx.changes(Queries.withdrawRelayRecipient(delivery, reason: reason, now: now)) > 0 {
                    messages.insert(delivery.message)
                }
            }
            try Self.finish(tx, messages, dialect)
            return keptBack
        }
    }

    /// Those of `members` still confirmed members of their lists (one who left since the post was filed
    /// gets no copy).
    private static func stillMembers(
        _ tx: any SQLTransaction, _ members: [RelayDelivery.ListMember], _ dialect: SQLDialect
    ) throws -> Set<RelayDelivery.ListMember> {
        var confirmed = Set<RelayDelivery.ListMember>()
        for (list, group) in Dictionary(grouping: members, by: \.list) {
            for row in try tx.rows(Queries.confirmedMembers(list, among: group.map(\.subscriber.rawValue), dialect)) {
                confirmed.insert(.init(list: list, subscriber: SubscriberID(rawValue: try row.int("subscriber_id"))))
            }
        }
        return confirmed
    }

    /// Records outcomes inside a transaction; returns how many rows changed.
    @discardableResult
    private static func complete(_ outcomes: [RelayDeliveryOutcome], _ tx: any SQLTransaction, now: Date, _ dialect: SQLDialect) throws -> Int {
        var changed = 0
        var messages = Set<RelayMessageID>()
        for outcome in outcomes {
            for row in try tx.rows(Queries.completeRelayRecipient(outcome, now: now)) {
                changed += 1
                messages.insert(RelayMessageID(rawValue: try row.int("message_id")))
            }
        }
        try Self.finish(tx, messages, dialect)
        return changed
    }

    /// After a crash: `worker`'s `sending` recipients become `uncertain`; returns how many.
    public func recoverRelayDeliveries(worker: String) async throws -> Int {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            let rows = try tx.rows(Queries.recoverRelayRecipients(worker: worker, now: now))
            let messages = try Set(rows.map { row throws(StoreError) in RelayMessageID(rawValue: try row.int("message_id")) })
            try Self.finish(tx, messages, dialect)
            return rows.count
        }
    }

    /// Marks those of `messages` whose recipients are all final `done`. Their rows are locked first
    /// (PostgreSQL), so that the check runs on a snapshot taken after any other transaction finishing
    /// the same message committed: two workers completing its last two recipients at once would each
    /// see the other's still `sending`, and it would stay `queued` for ever.
    static func finish(_ tx: any SQLTransaction, _ messages: Set<RelayMessageID>, _ dialect: SQLDialect) throws {
        guard !messages.isEmpty else { return }
        let ids = messages.sorted()
        if dialect == .postgres { _ = try tx.rows(Queries.lockRelayMessages(ids, dialect)) }
        _ = try tx.changes(Queries.finishRelayMessages(ids, dialect))
    }

    /// The open breakers, oldest first.
    public func relayBreakers() async throws -> [RelayBreaker] {
        try await backend.read(Queries.openRelayBreakers).map { row throws(StoreError) in try RelayBreaker(row: row) }
    }

    /// Closes `sender`'s breaker (audited `relay.breaker-close`); false when it was not open.
    @discardableResult
    public func closeRelayBreaker(_ sender: RelaySender, actor: AuditActor) async throws -> Bool {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            if let lock = Queries.lockRelaySender(sender, dialect) { _ = try tx.rows(lock) }
            guard let row = try tx.one(Queries.closeRelayBreaker(sender, closedBy: actor.displayName, now: now)) else { return false }
            let event = NewAuditEvent(
                actor: actor, action: "relay.breaker-close", subjectKind: "relay-sender", subjectID: sender.description,
                details: [
                    "sender_kind": .string(sender.kind.rawValue), "sender_name": .string(sender.name),
                    "opened_at": .string(try row.date("opened_at").formatted(.iso8601)),
                    "tripped_by": .number(Double(try row.int("tripped_by"))),
                ])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return true
        }
    }
}

/// A received message waiting for its transaction (see ``SQLMailStore/receiveRelayMessage(_:breaker:)``).
struct RelayFiling: Sendable {
    let message: NewRelayMessage
    let recipients: [(address: String, key: AddressKey)]
    let breaker: SenderBreakerLimits
}
