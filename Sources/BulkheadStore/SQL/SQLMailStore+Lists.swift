import BulkheadPolicy
import Foundation

/// Hosted lists: their addresses, policies and emergency switches, posts filed as relay messages with
/// one recipient row per member, and reply-all storm blocks.
extension SQLMailStore {
    /// Creates a list with an address (see ``MailStore/createHostedList(name:description:hosting:actor:)``).
    public func createHostedList(name: String, description: String, hosting: ListHosting, actor: AuditActor) async throws -> HostedList {
        try Self.checkListName(name)
        let now = clock.date
        return try await backend.transaction { tx in
            guard try tx.one(Queries.list(named: name)) == nil else { throw StoreError.duplicate(kind: "list", key: name) }
            guard try tx.one(Queries.hostedList(address: hosting.address.value)) == nil else {
                throw StoreError.duplicate(kind: "list address", key: hosting.address.value)
            }
            let list = try MailingList(row: try Self.required(tx.one(Queries.insertList(name: name, description: description, now: now))))
            _ = try tx.changes(Queries.insertHostedList(list.id, hosting, now: now))
            for poster in hosting.posters { _ = try tx.changes(Queries.insertListPoster(list.id, poster)) }
            var details: [String: JSONValue] = [
                "name": .string(name), "address": .string(hosting.address.value), "policy": .string(hosting.policy?.rawValue ?? "default"),
            ]
            if !hosting.posters.isEmpty { details["posters"] = .array(hosting.posters.map { .string($0.value) }) }
            let event = NewAuditEvent(actor: actor, action: "list.create", subjectKind: "list", subjectID: "\(list.id.rawValue)", details: details)
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return try Self.written(try Self.hostedList(tx, Queries.hostedList(list.id)))
        }
    }

    /// The hosted list with this posting address (canonical), or nil.
    public func hostedList(address: NormalizedAddress) async throws -> HostedList? {
        try await backend.transaction { tx in try Self.hostedList(tx, Queries.hostedList(address: address.value)) }
    }

    /// The list's hosting, or nil when it has no address.
    public func hostedList(_ list: ListID) async throws -> HostedList? {
        try await backend.transaction { tx in try Self.hostedList(tx, Queries.hostedList(list)) }
    }

    /// Every hosted list, by name.
    public func hostedLists() async throws -> [HostedList] {
        try await backend.transaction { tx in
            try tx.rows(Queries.allHostedLists).map { row in try Self.hostedList(row, posters: try Self.posters(tx, row)) }
        }
    }

    /// Turns a list's emergency switch on or off (audited `list.emergency`); throws
    /// ``StoreError/notFound(_:)`` for a list without an address.
    public func setListEmergency(_ list: ListID, on: Bool, actor: AuditActor) async throws -> HostedList {
        let now = clock.date
        return try await backend.transaction { tx in
            guard try tx.changes(Queries.setListEmergency(list, on: on)) == 1 else { throw StoreError.notFound(.list(list)) }
            let event = NewAuditEvent(
                actor: actor, action: "list.emergency", subjectKind: "list", subjectID: "\(list.rawValue)", details: ["on": .bool(on)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return try Self.written(try Self.hostedList(tx, Queries.hostedList(list)))
        }
    }

    /// Judges and files a post (see ``MailStore/receiveListPost(_:limits:)``).
    public func receiveListPost(_ post: NewListPost, limits: ListPostLimits) async throws -> ListPostReceipt {
        let now = clock.date
        let dialect = dialect
        return try await backend.transaction { tx in
            if let lock = Queries.lockList(post.list, dialect) { _ = try tx.rows(lock) }
            guard let list = try Self.hostedList(tx, Queries.hostedList(post.list)) else { throw StoreError.notFound(.list(post.list)) }
            let policy = list.policy(moderateFrom: limits.moderateFrom)
            switch policy {
            case .members where try tx.one(Queries.isConfirmedMember(post.list, post.poster)) == nil:
                return .refused(.notMember)
            case .announce where try tx.one(Queries.isListPoster(post.list, post.poster)) == nil:
                return .refused(.notPoster)
            default:
                break
            }
            let sender = post.message.sender
            if limits.memberPostsPerDay > 0 {
                let posted = try Self.required(try tx.one(Queries.listPostsBySender(post.list, sender, since: now.addingTimeInterval(-86_400))))
                if try posted.int("n") >= Int64(limits.memberPostsPerDay) { return .refused(.dailyLimit(limits.memberPostsPerDay)) }
            }
            let referenced = post.references.isEmpty ? nil : try tx.one(Queries.threadOfListPost(post.list, messageIDs: post.references, dialect))
            let thread = try referenced?.text("thread_key") ?? "subject:" + post.subject.key
            if post.isReply, limits.storm.applies(toMembers: list.members) {
                if let refusal = try Self.storm(tx, list: post.list, thread: thread, sender: sender, limits: limits.storm, now: now) {
                    return .refused(refusal)
                }
            }
            var message = post.message
            if list.emergency {
                message.findings.append(
                    Finding(
                        code: "list.emergency", severity: .error, message: "the list's emergency switch is on: every post is held",
                        location: "list \(list.name)", fix: "bulkhead list emergency \(list.name) off, then release or discard the held posts"))
            }
            if policy == .moderated {
                message.findings.append(
                    Finding(
                        code: "list.moderated", severity: .approval,
                        message:
                            "the list is moderated\(list.explicitPolicy == nil ? " (\(list.members) members, at least \(limits.moderateFrom))" : ""): every post waits for a moderator",
                        location: "list \(list.name)", fix: "bulkhead hold release ID (or discard ID)"))
            }
            let id = RelayMessageID(rawValue: try Self.required(try tx.one(try Queries.insertRelayMessage(message, now: now))).int("id"))
            _ = try tx.changes(Queries.markListPost(id, list: post.list, messageID: post.messageID, thread: thread, isReply: post.isReply))
            let recipients = try tx.changes(Queries.expandListPost(id, list: post.list, now: now))
            let holdReason: RelayHoldReason? =
                if RelayRules.holds(message.findings) || message.disposition == .hold {
                    .findings
                } else if try Self.isStopped(tx) {
                    .stopped
                } else {
                    nil
                }
            _ = try tx.changes(Queries.fileRelayMessage(id, state: holdReason == nil ? .queued : .held, holdReason: holdReason, relayAfter: nil))
            if let holdReason { _ = try tx.rows(try Queries.insertAudit(Self.holdEvent(id, holdReason, message.findings), now: now)) }
            if holdReason == nil, recipients == 0 { try Self.finish(tx, [id], dialect) }
            return .filed(
                RelayReceipt(id: id, state: holdReason == nil ? .queued : .held, holdReason: holdReason, breakerTripped: false),
                recipients: recipients)
        }
    }

    /// The refusal of a reply in a storm: an active block, or the reply that reaches the limit starts one.
    private static func storm(
        _ tx: any SQLTransaction, list: ListID, thread: String, sender: RelaySender, limits: StormLimits, now: Date
    ) throws -> ListPostRefusal? {
        if let row = try tx.one(Queries.activeListStorm(list, thread: thread, now: now)) {
            let storm = try ListStorm(row: row)
            let first = try !tx.rows(Queries.insertListStormNotice(storm.id, sender: sender.description)).isEmpty
            return .storm(storm, notifySender: first, alertOwner: false)
        }
        let replies = try Self.required(
            try tx.one(Queries.listThreadReplies(list, thread: thread, since: now.addingTimeInterval(-limits.window.seconds))))
        guard limits.isStorm(repliesInWindow: Int(try replies.int("n"))) else { return nil }
        let storm = try ListStorm(
            row: try Self.required(
                try tx.one(Queries.insertListStorm(list, thread: thread, now: now, until: now.addingTimeInterval(limits.block.seconds)))))
        _ = try tx.rows(Queries.insertListStormNotice(storm.id, sender: sender.description))
        // Read by the `list.storm` webhook: the list and the block, not the thread's subject or the sender.
        let event = NewAuditEvent(
            actor: .system, action: "list.storm", subjectKind: "list", subjectID: "\(list.rawValue)",
            details: ["storm": .number(Double(storm.id)), "blocked_until": .string(storm.blockedUntil.formatted(.iso8601))])
        _ = try tx.rows(try Queries.insertAudit(event, now: now))
        return .storm(storm, notifySender: true, alertOwner: true)
    }

    /// The hosted list just written in this transaction.
    private static func written(_ list: HostedList?) throws(StoreError) -> HostedList {
        guard let list else { throw .invalidData("the hosted list just written cannot be read back") }
        return list
    }

    private static func hostedList(_ tx: any SQLTransaction, _ statement: SQLStatement) throws -> HostedList? {
        guard let row = try tx.one(statement) else { return nil }
        return try hostedList(row, posters: try posters(tx, row))
    }

    private static func posters(_ tx: any SQLTransaction, _ row: SQLRow) throws -> [String] {
        try tx.rows(Queries.listPosters(ListID(rawValue: try row.int("list_id")))).map { poster throws(StoreError) in try poster.text("address") }
    }

    private static func hostedList(_ row: SQLRow, posters: [String]) throws(StoreError) -> HostedList {
        HostedList(
            listID: ListID(rawValue: try row.int("list_id")), name: try row.text("name"), listIDLabel: try row.text("list_id_label"),
            address: try row.text("address"),
            explicitPolicy: try row.optionalText("policy").map { text throws(StoreError) in
                guard let policy = ListPostPolicy(rawValue: text) else { throw .invalidData("column policy holds unknown value \(text)") }
                return policy
            },
            emergency: try row.int("emergency") != 0, owner: try row.optionalText("owner"), posters: posters, members: Int(try row.int("members")))
    }
}

extension ListStorm {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            id: try row.int("id"), list: ListID(rawValue: try row.int("list_id")), threadKey: try row.text("thread_key"),
            startedAt: try row.date("started_at"), blockedUntil: try row.date("blocked_until"))
    }

}

extension SQLMailStore {
    /// Storm blocks in force now, newest first.
    public func activeListStorms() async throws -> [ListStorm] {
        try await backend.read(SQLStatement("SELECT * FROM list_storms WHERE blocked_until > ? ORDER BY id DESC", [SQLValue(clock.date)]))
            .map { row throws(StoreError) in try ListStorm(row: row) }
    }
}
