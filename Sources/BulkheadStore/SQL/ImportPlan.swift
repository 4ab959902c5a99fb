/// The in-memory plan of ONE import batch (bounded by the batch size): what the database already holds
/// for the batch's addresses, and what the batch changes. Duplicates against earlier batches of the same
/// import are found through the `last_import_id` stamp read from the database; within the batch, the
/// stamp this batch is about to write is tracked here.
struct ImportPlan {
    private struct Entry {
        var id: SubscriberID?
        var storedName: String?
        var storedAttributes: [String: JSONValue]
        var name: String?
        var attributes: [String: JSONValue]
        var status: MembershipStatus?
        var stampedByThisImport: Bool
    }

    let importID: String
    let defaultStatus: MembershipStatus
    let dialect: SQLDialect
    private var entries: [NormalizedAddress: Entry] = [:]
    /// Addresses in first-seen order, so statements (and new ids) follow the file's order.
    private var order: [NormalizedAddress] = []
    private var membershipChanges: [(NormalizedAddress, MembershipStatus)] = []
    private var consentChanges: [(NormalizedAddress, ConsentKind)] = []

    init(importID: String, defaultStatus: MembershipStatus, dialect: SQLDialect) {
        self.importID = importID
        self.defaultStatus = defaultStatus
        self.dialect = dialect
    }

    /// Records a subscriber the database already holds, with its membership of the list (if any).
    mutating func known(_ subscriber: Subscriber, status: MembershipStatus?, importID stamp: String?) {
        entries[subscriber.address] = Entry(
            id: subscriber.id, storedName: subscriber.name, storedAttributes: subscriber.attributes,
            name: subscriber.name, attributes: subscriber.attributes, status: status,
            stampedByThisImport: stamp == importID)
    }

    /// Plans one row and says what happens to it.
    mutating func apply(_ row: ImportRow) throws(StoreError) -> ImportRowOutcome {
        var entry =
            entries[row.address]
            ?? Entry(
                id: nil, storedName: nil, storedAttributes: [:], name: nil,
                attributes: [:], status: nil, stampedByThisImport: false)
        if entry.stampedByThisImport { return .duplicate }
        order.append(row.address)  // a row that is not a duplicate is its address's first in the batch
        entry.name = row.name ?? entry.name
        entry.attributes = ImportDecision.mergedAttributes(entry.attributes, row.attributes)
        let previous = entry.status
        let requested = row.status ?? defaultStatus
        let status = ImportDecision.status(previous: previous, requested: requested)
        membershipChanges.append((row.address, status))
        if let kind = ImportDecision.consentKind(previous: previous, new: status) {
            consentChanges.append((row.address, kind))
        }
        entry.status = status
        entry.stampedByThisImport = true
        entries[row.address] = entry
        if previous == nil { return .inserted }
        return status == requested ? .updated : .keptUnsubscribed
    }

    /// Ids of the subscribers that already existed.
    var existingIDs: [NormalizedAddress: SubscriberID] {
        entries.compactMapValues(\.id)
    }

    /// address, name, attributes of every new subscriber.
    func newSubscriberRecords() throws(StoreError) -> BatchRecords {
        var records = BatchRecords(columns: [("address", .text), ("name", .text), ("attributes", .text)], dialect: dialect)
        for address in order {
            guard let entry = entries[address], entry.id == nil else { continue }
            try records.append([.text(address.value), SQLValue(entry.name), .text(try Self.attributesText(entry.attributes))])
        }
        return records
    }

    /// id, name, attributes of every existing subscriber whose name or attributes change.
    func changedSubscriberRecords() throws(StoreError) -> BatchRecords {
        var records = BatchRecords(columns: [("id", .bigint), ("name", .text), ("attributes", .text)], dialect: dialect)
        for address in order {
            guard let entry = entries[address], let id = entry.id,
                entry.name != entry.storedName || entry.attributes != entry.storedAttributes
            else { continue }
            try records.append([.int(id.rawValue), SQLValue(entry.name), .text(try Self.attributesText(entry.attributes))])
        }
        return records
    }

    /// subscriber_id, status of every membership to write.
    func membershipRecords(ids: [NormalizedAddress: SubscriberID]) throws(StoreError) -> BatchRecords {
        var records = BatchRecords(columns: [("subscriber_id", .bigint), ("status", .text)], dialect: dialect)
        for (address, status) in membershipChanges {
            try records.append([.int(try Self.id(address, ids).rawValue), .text(status.rawValue)])
        }
        return records
    }

    /// subscriber_id, kind of every consent record to append.
    func consentRecords(ids: [NormalizedAddress: SubscriberID]) throws(StoreError) -> BatchRecords {
        var records = BatchRecords(columns: [("subscriber_id", .bigint), ("kind", .text)], dialect: dialect)
        for (address, kind) in consentChanges {
            try records.append([.int(try Self.id(address, ids).rawValue), .text(kind.rawValue)])
        }
        return records
    }

    /// Attributes as stored: imported ones are strings, written directly; any other shape by ``JSONText``.
    static func attributesText(_ attributes: [String: JSONValue]) throws(StoreError) -> String {
        if let text = try JSONBytes.flatObject(attributes) { return text }
        return try JSONText.encode(attributes)
    }

    private static func id(_ address: NormalizedAddress, _ ids: [NormalizedAddress: SubscriberID]) throws(StoreError) -> SubscriberID {
        guard let id = ids[address] else { throw .database("no subscriber id for \(address.value) after the insert") }
        return id
    }
}
