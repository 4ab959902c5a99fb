import Foundation

/// Event webhooks' cursors and delivery log, and the queue depth `/metrics` reports.
extension Queries {
    /// Creates the cursor of a webhook seen for the first time at the end of the audit log.
    static func startWebhookCursor(url: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO webhook_cursors (url, last_audit_id, updated_at)
            SELECT ?, COALESCE(MAX(id), 0), ? FROM audit_log WHERE true
            ON CONFLICT (url) DO NOTHING
            """, [.text(url), SQLValue(now)])
    }

    /// Takes or renews `holder`'s hold of a webhook: when nobody holds it, `holder` does, or the hold
    /// ran out. Changes one row when the hold is `holder`'s.
    static func holdWebhook(url: String, holder: String, until: Date, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE webhook_cursors SET holder = ?, held_until = ?
            WHERE url = ? AND (holder IS NULL OR holder = ? OR held_until <= ?)
            """, [.text(holder), SQLValue(until), .text(url), .text(holder), SQLValue(now)])
    }

    static func webhookCursor(url: String) -> SQLStatement {
        SQLStatement("SELECT last_audit_id FROM webhook_cursors WHERE url = ?", [.text(url)])
    }

    /// Moves a cursor forward to `auditID` (creating it there), never back.
    static func advanceWebhookCursor(url: String, to auditID: Int64, now: Date, _ dialect: SQLDialect) -> SQLStatement {
        let greatest = dialect == .sqlite ? "MAX" : "GREATEST"
        return SQLStatement(
            """
            INSERT INTO webhook_cursors (url, last_audit_id, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET last_audit_id = \(greatest)(webhook_cursors.last_audit_id, excluded.last_audit_id),
              updated_at = excluded.updated_at
            """, [.text(url), .int(auditID), SQLValue(now)])
    }

    static func insertWebhookAttempt(_ attempt: NewWebhookAttempt, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO webhook_deliveries (delivery, url, event, audit_id, attempt, status_code, error, status, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(attempt.delivery), .text(attempt.url), .text(attempt.event), .int(attempt.auditID), .int(Int64(attempt.attempt)),
                SQLValue(attempt.statusCode), SQLValue(attempt.error), .text(attempt.status.rawValue), SQLValue(now),
            ])
    }

    static func webhookAttempts(limit: Int) -> SQLStatement {
        SQLStatement("SELECT * FROM webhook_deliveries ORDER BY id DESC LIMIT ?", [.int(Int64(max(0, limit)))])
    }

    /// Queued and deferred campaign entries (read per campaign through the ledger's index by state),
    /// relay copies waiting to go out (of messages that are queued: a held or waiting message's
    /// recipients are `queued` too), and held relay messages. (`WHERE true` above: SQLite's parser
    /// needs it between an INSERT's SELECT and its ON CONFLICT.)
    static let queueDepth = SQLStatement(
        """
        SELECT
          (SELECT COUNT(*) FROM ledger WHERE campaign_id IN (SELECT id FROM campaigns) AND state IN ('queued', 'deferred')) AS campaign,
          (SELECT COUNT(*) FROM relay_recipients r JOIN relay_messages m ON m.id = r.message_id
            WHERE r.state = 'queued' AND m.state = 'queued') AS relay,
          (SELECT COUNT(*) FROM relay_messages WHERE state = 'held') AS held
        """)
}
