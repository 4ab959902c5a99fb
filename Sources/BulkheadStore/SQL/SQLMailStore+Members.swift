import Foundation

extension SQLMailStore {
    /// One page of a list's members, by subscriber key (see ``MailStore/listMembers(list:statuses:after:limit:)``).
    public func listMembers(list: ListID, statuses: Set<MembershipStatus>?, after: SubscriberID?,
                            limit: Int) async throws -> [ListMember] {
        try await backend.read(Queries.listMembers(list: list, statuses: statuses, after: after, limit: limit, backend.dialect))
            .map { row throws(StoreError) in
                ListMember(subscriber: try Subscriber(row: row), status: try row.enumValue(MembershipStatus.self, "membership_status"),
                           statusUpdatedAt: try row.date("membership_updated_at"))
            }
    }

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
    static func listMembers(list: ListID, statuses: Set<MembershipStatus>?, after: SubscriberID?, limit: Int,
                            _ dialect: SQLDialect) -> SQLStatement {
        var sql = """
            SELECT s.*, m.status AS membership_status, m.updated_at AS membership_updated_at
            FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
            WHERE m.list_id = ? AND m.subscriber_id > ?
            """
        var binds: [SQLValue] = [.int(list.rawValue), .int(after?.rawValue ?? 0)]
        if let statuses {
            sql += " AND \(dialect.inTextArray("m.status"))"
            binds.append(.textArray(statuses.map(\.rawValue).sorted()))
        }
        sql += " ORDER BY m.subscriber_id LIMIT ?"
        binds.append(.int(Int64(max(0, limit))))
        return SQLStatement(sql, binds)
    }

    static func suppression(address: NormalizedAddress) -> SQLStatement {
        SQLStatement("SELECT * FROM suppressions WHERE address = ?", [.text(address.value)])
    }

    static func memberships(subscriber: SubscriberID) -> SQLStatement {
        SQLStatement("SELECT * FROM memberships WHERE subscriber_id = ? ORDER BY list_id", [.int(subscriber.rawValue)])
    }
}
