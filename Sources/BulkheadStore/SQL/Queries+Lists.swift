import BulkheadPolicy
import Foundation

extension Queries {
    // MARK: Hosted lists

    static func insertHostedList(_ list: ListID, _ hosting: ListHosting, now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO hosted_lists (list_id, address, policy, emergency, owner, created_at) VALUES (?, ?, ?, 0, ?, ?)",
            [.int(list.rawValue), .text(hosting.address.value), SQLValue(hosting.policy?.rawValue), SQLValue(hosting.owner?.value), SQLValue(now)])
    }

    static func insertListPoster(_ list: ListID, _ address: NormalizedAddress) -> SQLStatement {
        SQLStatement(
            "INSERT INTO list_posters (list_id, address) VALUES (?, ?) ON CONFLICT DO NOTHING", [.int(list.rawValue), .text(address.value)])
    }

    /// Hosted lists with their names and confirmed-member counts; `condition` over `h` (`hosted_lists`).
    private static func hostedLists(where condition: String, _ binds: [SQLValue]) -> SQLStatement {
        SQLStatement(
            """
            SELECT h.list_id, h.address, h.policy, h.emergency, h.owner, l.name, l.list_id_label,
              (SELECT count(*) FROM memberships m WHERE m.list_id = h.list_id AND m.status = 'confirmed') AS members
            FROM hosted_lists h JOIN lists l ON l.id = h.list_id
            WHERE \(condition) ORDER BY l.name
            """, binds)
    }

    static func hostedList(address: String) -> SQLStatement { hostedLists(where: "h.address = ?", [.text(address)]) }
    static func hostedList(_ list: ListID) -> SQLStatement { hostedLists(where: "h.list_id = ?", [.int(list.rawValue)]) }
    static let allHostedLists = hostedLists(where: "1 = 1", [])

    static func listPosters(_ list: ListID) -> SQLStatement {
        SQLStatement("SELECT address FROM list_posters WHERE list_id = ? ORDER BY address", [.int(list.rawValue)])
    }

    static func setListEmergency(_ list: ListID, on: Bool) -> SQLStatement {
        SQLStatement("UPDATE hosted_lists SET emergency = ? WHERE list_id = ?", [.int(on ? 1 : 0), .int(list.rawValue)])
    }

    /// Serialises a list's posts on PostgreSQL (storm counts and blocks are exact across workers);
    /// nil on SQLite, where the writer is one already.
    static func lockList(_ list: ListID, _ dialect: SQLDialect) -> SQLStatement? {
        guard dialect == .postgres else { return nil }
        return SQLStatement("SELECT pg_advisory_xact_lock(?::int, ?::int)", [.int(listLockKey), .int(list.rawValue & 0x7FFF_FFFF)])
    }

    /// The advisory-lock class of ``lockList(_:_:)`` ("list").
    private static let listLockKey: Int64 = 0x6C69_7374

    static func isConfirmedMember(_ list: ListID, _ address: NormalizedAddress) -> SQLStatement {
        SQLStatement(
            """
            SELECT 1 AS found FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
            WHERE m.list_id = ? AND s.address = ? AND m.status = 'confirmed'
            """, [.int(list.rawValue), .text(address.value)])
    }

    static func isListPoster(_ list: ListID, _ address: NormalizedAddress) -> SQLStatement {
        SQLStatement("SELECT 1 AS found FROM list_posters WHERE list_id = ? AND address = ?", [.int(list.rawValue), .text(address.value)])
    }

    /// How many posts `sender` made to the list since `since` (filed ones: refused posts are not kept).
    static func listPostsBySender(_ list: ListID, _ sender: RelaySender, since: Date) -> SQLStatement {
        SQLStatement(
            """
            SELECT count(*) AS n FROM relay_messages
            WHERE sender_kind = ? AND sender_name = ? AND received_at > ? AND list_id = ?
            """, [.text(sender.kind.rawValue), .text(sender.name), SQLValue(since), .int(list.rawValue)])
    }

    /// The thread of the earliest of the list's posts with one of these Message-IDs.
    static func threadOfListPost(_ list: ListID, messageIDs: [String], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            """
            SELECT thread_key FROM relay_messages
            WHERE list_id = ? AND \(dialect.inTextArray("message_id")) AND thread_key IS NOT NULL
            ORDER BY id LIMIT 1
            """, [.int(list.rawValue), .textArray(messageIDs)])
    }

    static func activeListStorm(_ list: ListID, thread: String, now: Date) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM list_storms WHERE list_id = ? AND thread_key = ? AND blocked_until > ? ORDER BY id DESC LIMIT 1",
            [.int(list.rawValue), .text(thread), SQLValue(now)])
    }

    /// Replies in the thread since `since` that went (or go) to the members: held and discarded ones do not count.
    static func listThreadReplies(_ list: ListID, thread: String, since: Date) -> SQLStatement {
        SQLStatement(
            """
            SELECT count(*) AS n FROM relay_messages
            WHERE list_id = ? AND thread_key = ? AND received_at > ? AND is_reply = 1 AND state IN ('queued', 'waiting', 'done')
            """, [.int(list.rawValue), .text(thread), SQLValue(since)])
    }

    static func insertListStorm(_ list: ListID, thread: String, now: Date, until: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO list_storms (list_id, thread_key, started_at, blocked_until) VALUES (?, ?, ?, ?) RETURNING *",
            [.int(list.rawValue), .text(thread), SQLValue(now), SQLValue(until)])
    }

    /// Notes that `sender` was told about the storm; returns a row only the first time.
    static func insertListStormNotice(_ storm: Int64, sender: String) -> SQLStatement {
        SQLStatement(
            "INSERT INTO list_storm_notices (storm_id, sender) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING storm_id",
            [.int(storm), .text(sender)])
    }

    /// Marks a filed relay message as a post to `list`.
    static func markListPost(_ id: RelayMessageID, list: ListID, messageID: String?, thread: String, isReply: Bool) -> SQLStatement {
        SQLStatement(
            "UPDATE relay_messages SET list_id = ?, message_id = ?, thread_key = ?, is_reply = ? WHERE id = ?",
            [.int(list.rawValue), SQLValue(messageID), .text(thread), .int(isReply ? 1 : 0), .int(id.rawValue)])
    }

    /// One recipient row per member a campaign of the list could reach now (confirmed, with consent,
    /// not suppressed), `queued` and due at `now`, naming the subscriber (for the unsubscribe link).
    static func expandListPost(_ id: RelayMessageID, list: ListID, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO relay_recipients (message_id, address, address_key, subscriber_id, state, attempts, next_attempt_at, updated_at)
            SELECT ?, s.address, s.address, s.id, 'queued', 0, ?, ?
            FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
            WHERE m.list_id = ? AND m.status = 'confirmed' AND \(hasConsent) AND NOT \(isSuppressed)
            ORDER BY s.id
            """, [.int(id.rawValue), SQLValue(now), SQLValue(now), .int(list.rawValue)])
    }

    /// Which of these subscribers are still confirmed members of the list.
    static func confirmedMembers(_ list: ListID, among subscribers: [Int64], _ dialect: SQLDialect) -> SQLStatement {
        // SQLite's planner would take the index by status and read every confirmed member of the list
        // (25 ms at 100,000, once per claim); `+status` keeps it on the primary key: 0.5 ms.
        let status = dialect == .sqlite ? "+status" : "status"
        return SQLStatement(
            "SELECT subscriber_id FROM memberships WHERE list_id = ? AND \(status) = 'confirmed' AND \(dialect.inIntArray("subscriber_id"))",
            [.int(list.rawValue), .intArray(subscribers)])
    }
}
