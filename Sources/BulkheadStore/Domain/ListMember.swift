import Foundation

extension MailStore {
    /// Streams every member of a list (optionally only some statuses), `pageSize` at a time by
    /// subscriber key, so memory stays bounded however large the list.
    ///
    /// ```swift
    /// for try await member in store.members(of: list.id) { print(member.subscriber.address, member.membership.status) }
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
                // One status is filtered by the database; several are filtered here, page by page.
                let single = stream.statuses?.count == 1 ? stream.statuses?.first : nil
                repeat {
                    let fetched = try await stream.store.members(of: stream.list, status: single, after: after, limit: stream.pageSize)
                    finished = fetched.count < stream.pageSize
                    after = fetched.last?.subscriber.id ?? after
                    page = fetched.filter { stream.statuses?.contains($0.membership.status) ?? true }
                } while page.isEmpty && !finished
                index = 0
                guard !page.isEmpty else { return nil }
            }
            defer { index += 1 }
            return page[index]
        }
    }
}
