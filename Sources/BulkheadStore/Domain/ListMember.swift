public import Foundation

/// A subscriber with their status on one list: one row of a list's member listing (exports, `bulkhead
/// subscribers export`).
public struct ListMember: Sendable, Hashable, Codable {
    /// The subscriber.
    public var subscriber: Subscriber
    /// Their status on the list.
    public var status: MembershipStatus
    /// When the status last changed.
    public var statusUpdatedAt: Date

    /// Describes one member.
    public init(subscriber: Subscriber, status: MembershipStatus, statusUpdatedAt: Date) {
        self.subscriber = subscriber
        self.status = status
        self.statusUpdatedAt = statusUpdatedAt
    }
}

extension MailStore {
    /// Streams every member of a list (optionally only some statuses), `pageSize` at a time by
    /// subscriber key, so memory stays bounded however large the list.
    ///
    /// ```swift
    /// for try await member in store.members(of: list.id) { print(member.subscriber.address, member.status) }
    /// ```
    public func members(of list: ListID, statuses: Set<MembershipStatus>? = nil, pageSize: Int = 1000) -> ListMemberStream {
        ListMemberStream(store: self, list: list, statuses: statuses, pageSize: max(1, pageSize))
    }
}

/// An `AsyncSequence` over a list's members, paged by subscriber key (see ``MailStore/members(of:statuses:pageSize:)``).
public struct ListMemberStream: AsyncSequence, Sendable {
    /// Members.
    public typealias Element = ListMember
    let store: any MailStore
    let list: ListID
    let statuses: Set<MembershipStatus>?
    let pageSize: Int

    /// Starts reading from the first page.
    public func makeAsyncIterator() -> Iterator {
        Iterator(stream: self)
    }

    /// Fetches one page when the previous one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let stream: ListMemberStream
        var after: SubscriberID?
        var page: [ListMember] = []
        var index = 0
        var finished = false

        init(stream: ListMemberStream) { self.stream = stream }

        /// The next member, or nil at the end.
        public mutating func next() async throws -> ListMember? {
            if index == page.count {
                guard !finished else { return nil }
                page = try await stream.store.listMembers(list: stream.list, statuses: stream.statuses, after: after,
                                                          limit: stream.pageSize)
                index = 0
                finished = page.count < stream.pageSize
                guard let last = page.last else { return nil }
                after = last.subscriber.id
            }
            defer { index += 1 }
            return page[index]
        }
    }
}
