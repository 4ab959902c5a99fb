import Foundation

extension SQLMailStore {
    /// The suppression entry of one address, or nil.
    public func suppression(address: NormalizedAddress) async throws -> Suppression? {
        try await backend.one(Queries.suppression(address: address)).map { row throws(StoreError) in try Suppression(row: row) }
    }

    /// Every membership of one subscriber, by list key.
    public func memberships(subscriber: SubscriberID) async throws -> [Membership] {
        try await backend.read(Queries.memberships(subscriber: subscriber)).map { row throws(StoreError) in try Membership(row: row) }
    }
}

extension Queries {

    static func suppression(address: NormalizedAddress) -> SQLStatement {
        SQLStatement("SELECT * FROM suppressions WHERE address = ?", [.text(address.value)])
    }

    static func memberships(subscriber: SubscriberID) -> SQLStatement {
        SQLStatement("SELECT * FROM memberships WHERE subscriber_id = ? ORDER BY list_id", [.int(subscriber.rawValue)])
    }
}
