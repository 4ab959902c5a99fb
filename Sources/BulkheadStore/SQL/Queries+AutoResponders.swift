import Foundation

extension Queries {
    // MARK: Auto-responders

    static func enableAutoResponder(_ address: String, now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO autoresponders (address, enabled_at) VALUES (?, ?) ON CONFLICT (address) DO NOTHING", [.text(address), SQLValue(now)])
    }

    static func autoResponder(_ address: String) -> SQLStatement {
        SQLStatement("SELECT address, enabled_at FROM autoresponders WHERE address = ?", [.text(address)])
    }

    /// Serialises the transactions that count or file auto-replies (PostgreSQL; SQLite has one writer).
    static func lockAutoReplies(_ dialect: SQLDialect) -> SQLStatement? {
        guard dialect == .postgres else { return nil }
        return SQLStatement("SELECT pg_advisory_xact_lock(?::int, 0)", [.int(autoReplyLockKey)])
    }

    /// The advisory-lock class of ``lockAutoReplies(_:)`` ("auto").
    private static let autoReplyLockKey: Int64 = 0x6175_746F

    static func autoReplySeen(_ responder: String, messageID: String) -> SQLStatement {
        SQLStatement(
            "SELECT id FROM autoreply_log WHERE responder = ? AND message_id = ? LIMIT 1", [.text(responder), .text(messageID)])
    }

    static func lastAutoReply(_ responder: String, sender: String) -> SQLStatement {
        SQLStatement(
            "SELECT last_replied_at FROM autoreply_senders WHERE responder = ? AND sender = ? AND last_replied_at IS NOT NULL",
            [.text(responder), .text(sender)])
    }

    /// Replies of every responder since `since`.
    static func autoRepliesSince(_ since: Date) -> SQLStatement {
        SQLStatement("SELECT count(*) AS n FROM autoreply_log WHERE outcome = 'replied' AND at > ?", [SQLValue(since)])
    }

    /// Counts one more message from `sender`; `repliedAt` (when not nil) is its last reply now.
    static func seeAutoReplySender(_ responder: String, sender: String, repliedAt: Date?, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO autoreply_senders (responder, sender, last_replied_at, last_seen_at, messages) VALUES (?, ?, ?, ?, 1)
            ON CONFLICT (responder, sender) DO UPDATE SET last_seen_at = excluded.last_seen_at,
              messages = autoreply_senders.messages + 1,
              last_replied_at = COALESCE(excluded.last_replied_at, autoreply_senders.last_replied_at)
            """, [.text(responder), .text(sender), SQLValue(repliedAt), SQLValue(now)])
    }

    static func insertAutoReplyLog(
        _ responder: String, sender: String, messageID: String?, outcome: String, reply: RelayMessageID?, forward: RelayMessageID?, now: Date
    ) -> SQLStatement {
        SQLStatement(
            "INSERT INTO autoreply_log (responder, at, sender, message_id, outcome, reply_id, forward_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                .text(responder), SQLValue(now), .text(sender), SQLValue(messageID), .text(outcome), SQLValue(reply?.rawValue),
                SQLValue(forward?.rawValue),
            ])
    }

    static func markResponderMessage(_ id: RelayMessageID, responder: String) -> SQLStatement {
        SQLStatement("UPDATE relay_messages SET responder = ? WHERE id = ?", [.text(responder), .int(id.rawValue)])
    }

    static let autoResponderOutcomes = SQLStatement(
        """
        SELECT r.address, r.enabled_at, g.outcome, g.n,
          (SELECT count(*) FROM autoreply_senders s WHERE s.responder = r.address) AS senders
        FROM autoresponders r
        LEFT JOIN (SELECT responder, outcome, count(*) AS n FROM autoreply_log GROUP BY responder, outcome) g ON g.responder = r.address
        ORDER BY r.address, g.outcome
        """)
}
