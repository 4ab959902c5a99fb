extension Schema {
    /// Version 12, event webhooks: per webhook URL the key of the last audit event it is done with
    /// (the events are read from the append-only audit log, so they are as durable as the changes
    /// themselves), and the delivery log, one row per attempt. (Version 11 is the web sessions'.)
    static func version12(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            """
            CREATE TABLE webhook_cursors (url TEXT PRIMARY KEY CHECK (url <> ''), last_audit_id \(int) NOT NULL,
              updated_at \(int) NOT NULL)
            """,
            """
            CREATE TABLE webhook_deliveries (id \(pk), delivery TEXT NOT NULL, url TEXT NOT NULL, event TEXT NOT NULL,
              audit_id \(int) NOT NULL, attempt \(int) NOT NULL, status_code \(int), error TEXT,
              status TEXT NOT NULL CHECK (status IN \(sqlList(WebhookAttemptStatus.allCases.map(\.rawValue)))), at \(int) NOT NULL)
            """,
            "CREATE INDEX webhook_deliveries_by_delivery ON webhook_deliveries (delivery, id)",
        ]
    }

    /// Version 15: which worker delivers a webhook's events (`holder`) and until when its hold lasts,
    /// so that several `serve` workers of one store send each event once.
    static func version15(_ dialect: SQLDialect) -> [String] {
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            "ALTER TABLE webhook_cursors ADD COLUMN holder TEXT",
            "ALTER TABLE webhook_cursors ADD COLUMN held_until \(int)",
        ]
    }
}
