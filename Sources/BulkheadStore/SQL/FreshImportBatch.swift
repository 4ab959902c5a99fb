/// An import batch encoded for the statements before its transaction starts, on the importer's task
/// while the batch before is being written (``SQLMailStore/prepareImport(_:consent:)``): every
/// subscriber as new, with the membership status and consent kind it gets. For the common case of a
/// batch of people the database does not hold yet, the transaction inserts them (skipping any address
/// it holds) and, when every row went in, writes their memberships and consent records
/// (``SQLMailStore/importSubscribers(_:into:importID:)``); the writer's thread does no per-row
/// planning, merging or encoding. A batch with a known address (found by that insert, which is then
/// rolled back to its savepoint) or a repeated one goes through ``ImportPlan``.
///
/// When the batch's rows share one status and consent kind and the new ids are one unbroken range,
/// memberships and consent records are written from that range (``newIDs(count:lowest:highest:)``)
/// instead of from one record per row.
///
/// ```swift
/// let fresh = try FreshImportBatch(rows, defaultStatus: .confirmed, dialect: .sqlite)
/// // in the transaction: insert fresh.subscribers (ON CONFLICT DO NOTHING); when every row went in,
/// // memberships and consents by fresh.newIDs(count:lowest:highest:), else by fresh.membershipRecords(ids:)…
/// ```
struct FreshImportBatch: Sendable {
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
        self.subscribers = subscribers
        self.positions = positions
        self.changes = changes
        isDistinct = distinct
        self.dialect = dialect
    }

    /// How many rows the batch has.
    var count: Int { changes.count }

    /// The outcome of every row when the batch went in fresh.
    var outcomes: [ImportRowOutcome] { Array(repeating: .inserted, count: changes.count) }

    /// The membership status and consent kind of every row, when all rows have the same.
    var uniformChange: (status: MembershipStatus, consent: ConsentKind?)? {
        guard let first = changes.first, changes.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// The new ids as one range, from how many of this batch's rows went in (`count`) and the lowest
    /// and highest of their ids: a range when there is one id per row and no gap. Ids being unique,
    /// every subscriber in such a range is one of this batch's; a gap (another writer's id between
    /// them) or a missing row makes it nil.
    func newIDs(count: Int64, lowest: Int64, highest: Int64) -> ClosedRange<Int64>? {
        guard count == Int64(changes.count), count > 0, highest - lowest == count - 1 else { return nil }
        return lowest...highest
    }

    /// The ids of the inserted subscribers in row order, from their `id, address` rows.
    func ids(_ inserted: [SQLRow]) throws(StoreError) -> [Int64] {
        var ids = [Int64?](repeating: nil, count: changes.count)
        for row in inserted {
            let address = try row.text("address")
            guard let position = positions[address] else { throw .database("\(address), not in the batch, came back among its new subscribers") }
            ids[position] = try row.int("id")
        }
        return try ids.map { id throws(StoreError) in
            guard let id else { throw .database("a new subscriber of the batch was not found after its insert") }
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
