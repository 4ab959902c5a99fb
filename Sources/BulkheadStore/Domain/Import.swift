/// One subscriber row of a bulk import (already parsed and validated by the importer).
public struct ImportRow: Sendable, Hashable {
    /// The address.
    public var address: NormalizedAddress
    /// The display name (nil keeps a stored name).
    public var name: String?
    /// Attributes merged into the stored ones (a row's keys win).
    public var attributes: [String: JSONValue]
    /// The membership status to set (nil: the import's default).
    public var status: MembershipStatus?

    /// Describes one row.
    public init(
        address: NormalizedAddress, name: String? = nil, attributes: [String: JSONValue] = [:],
        status: MembershipStatus? = nil
    ) {
        self.address = address
        self.name = name
        self.attributes = attributes
        self.status = status
    }
}

/// The import-wide settings of ``MailStore/importSubscribers(_:into:importID:consent:)``.
public struct ImportConsent: Sendable, Hashable {
    /// Status for rows that name none.
    public var defaultStatus: MembershipStatus
    /// Evidence recorded (method `import`) when a row confirms or unsubscribes a membership;
    /// its `kind` is chosen per row.
    public var source: String
    /// The consent text the people were shown when they signed up elsewhere, if known.
    public var textShown: String?
    /// The channel the original consent came through, if known.
    public var ipOrChannel: String?

    /// Describes the consent side of an import.
    public init(defaultStatus: MembershipStatus, source: String, textShown: String? = nil, ipOrChannel: String? = nil) {
        self.defaultStatus = defaultStatus
        self.source = source
        self.textShown = textShown
        self.ipOrChannel = ipOrChannel
    }
}

/// A batch of imported rows with what the store encoded from them ahead of their transaction
/// (``MailStore/prepareImport(_:consent:)``), for ``MailStore/importSubscribers(_:into:importID:)``.
///
/// ```swift
/// let batch = try store.prepareImport(rows, consent: consent)  // while the batch before is written
/// let outcomes = try await store.importSubscribers(batch, into: list.id, importID: "import-7")
/// ```
public struct ImportBatch: Sendable {
    /// The rows, in file order.
    public let rows: [ImportRow]
    /// The import-wide consent settings.
    public let consent: ImportConsent
    /// The rows encoded for the SQL statements.
    let fresh: FreshImportBatch
}

extension MailStore {
    /// Prepares and imports one batch in one call (``prepareImport(_:consent:)``, then
    /// ``importSubscribers(_:into:importID:)``), for callers with nothing to overlap.
    public func importSubscribers(
        _ rows: [ImportRow], into list: ListID, importID: String, consent: ImportConsent
    ) async throws -> [ImportRowOutcome] {
        try await importSubscribers(try prepareImport(rows, consent: consent), into: list, importID: importID)
    }
}

/// What the import did with one row.
public enum ImportRowOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// A new membership (and, if needed, a new subscriber).
    case inserted
    /// An existing membership, updated.
    case updated
    /// The address already occurred earlier in this same import: the row was not applied.
    case duplicate
    /// The membership is `unsubscribed`; an import never re-subscribes anyone (name and attributes
    /// were updated, the status kept).
    case keptUnsubscribed
}

/// Decides, per row, the membership status to store and the consent record to append.
enum ImportDecision {
    static func status(previous: MembershipStatus?, requested: MembershipStatus) -> MembershipStatus {
        previous == .unsubscribed ? .unsubscribed : requested
    }

    /// The consent kind to record when a status changes, nil when nothing needs recording.
    static func consentKind(previous: MembershipStatus?, new: MembershipStatus) -> ConsentKind? {
        guard previous != new else { return nil }
        switch new {
        case .confirmed: return .given
        case .unsubscribed: return .withdrawn
        case .unconfirmed: return nil
        }
    }

    static func mergedAttributes(_ stored: [String: JSONValue], _ row: [String: JSONValue]) -> [String: JSONValue] {
        stored.merging(row, uniquingKeysWith: { _, new in new })
    }
}
