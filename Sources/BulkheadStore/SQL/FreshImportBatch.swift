/// An import batch encoded for the statements before its transaction starts, on the importer's task
/// while the batch before is being written (``SQLMailStore/prepareImport(_:consent:)``):
/// the addresses for the look-up of known subscribers and, for the common case of a batch of people
/// the database does not hold yet, every new subscriber with the membership status and consent kind
/// it gets. In that case the transaction only looks up, inserts and maps the new ids back
/// (``SQLMailStore/importSubscribers(_:into:importID:)``); the writer's thread does no
/// per-row planning, merging or encoding. Any batch with a known address goes through ``ImportPlan``.
///
/// ```swift
/// let fresh = try FreshImportBatch(rows, defaultStatus: .confirmed, dialect: .sqlite)
/// // in the transaction, when the look-up by fresh.addresses found nobody:
/// // insert fresh.subscribers, then memberships and consents with fresh.membershipRecords(ids:)…
/// ```
struct FreshImportBatch: Sendable {
    /// The batch's addresses, bound where ``SQLDialect/inTextArray(_:)`` reads them.
    let addresses: SQLValue
    /// address, name, attributes of every row (only meaningful when ``isDistinct``).
    let subscribers: BatchRecords
    /// Row position by address; each address once when ``isDistinct``.
    private let positions: [String: Int]
    /// Each row's membership status and the consent kind it records (nil: none).
    private let changes: [(status: MembershipStatus, consent: ConsentKind?)]
    /// False when an address occurs twice in the batch (the plan decides the later rows).
    let isDistinct: Bool
    let dialect: SQLDialect

    init(_ batch: [ImportRow], defaultStatus: MembershipStatus, dialect: SQLDialect) throws(StoreError) {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(batch.count)
        var subscribers = BatchRecords(
            columns: [("address", .text), ("name", .text), ("attributes", .text)], dialect: dialect, capacity: batch.count)
        var changes: [(status: MembershipStatus, consent: ConsentKind?)] = []
        changes.reserveCapacity(batch.count)
        var distinct = true
        for (position, row) in batch.enumerated() {
            guard positions.updateValue(position, forKey: row.address.value) == nil else {
                distinct = false
                break
            }
            // A new subscriber: nothing stored to merge with, no previous status.
            let status = ImportDecision.status(previous: nil, requested: row.status ?? defaultStatus)
            changes.append((status, ImportDecision.consentKind(previous: nil, new: status)))
            try subscribers.append([.text(row.address.value), SQLValue(row.name), .text(try ImportPlan.attributesText(row.attributes))])
        }
        let values = batch.map(\.address.value)
        switch dialect {
        case .sqlite: addresses = .text(JSONBytes.stringArray(values))
        case .postgres: addresses = .textArray(values)
        }
        self.subscribers = subscribers
        self.positions = positions
        self.changes = changes
        isDistinct = distinct
        self.dialect = dialect
    }

    /// The outcome of every row when the batch went in fresh.
    var outcomes: [ImportRowOutcome] { Array(repeating: .inserted, count: changes.count) }

    /// The ids of the inserted subscribers in row order, from the insert's returned `id, address` rows.
    func ids(_ inserted: [SQLRow]) throws(StoreError) -> [Int64] {
        var ids = [Int64?](repeating: nil, count: changes.count)
        for row in inserted {
            let address = try row.text("address")
            guard let position = positions[address] else { throw .database("the insert returned \(address), not in the batch") }
            ids[position] = try row.int("id")
        }
        return try ids.map { id throws(StoreError) in
            guard let id else { throw .database("the insert returned \(inserted.count) of \(changes.count) new subscribers") }
            return id
        }
    }

    /// subscriber_id, status of every row.
    func membershipRecords(ids: [Int64]) throws(StoreError) -> BatchRecords {
        var records = BatchRecords(columns: [("subscriber_id", .bigint), ("status", .text)], dialect: dialect, capacity: ids.count)
        for (id, change) in zip(ids, changes) {
            try records.append([.int(id), .text(change.status.rawValue)])
        }
        return records
    }

    /// subscriber_id, kind of every row that records consent.
    func consentRecords(ids: [Int64]) throws(StoreError) -> BatchRecords {
        var records = BatchRecords(columns: [("subscriber_id", .bigint), ("kind", .text)], dialect: dialect, capacity: ids.count)
        for (id, change) in zip(ids, changes) {
            guard let kind = change.consent else { continue }
            try records.append([.int(id), .text(kind.rawValue)])
        }
        return records
    }
}
