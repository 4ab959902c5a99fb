extension Schema {
    /// Version 6, what comes back: a ledger entry's bounce (kind, status, diagnostic, when; the entry's
    /// state stays what delivery made it), and every bounce per address, for the soft-bounce limit.
    static func version6(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        let kinds = "(" + BounceKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
        return [
            "ALTER TABLE ledger ADD COLUMN bounce_kind TEXT CHECK (bounce_kind IN \(kinds))",
            "ALTER TABLE ledger ADD COLUMN bounce_status TEXT",
            "ALTER TABLE ledger ADD COLUMN bounce_diagnostic TEXT",
            "ALTER TABLE ledger ADD COLUMN bounced_at \(int)",
            """
            CREATE TABLE bounce_events (id \(pk), address TEXT NOT NULL, ledger_id \(int) NOT NULL REFERENCES ledger(id),
              kind TEXT NOT NULL CHECK (kind IN \(kinds)), status TEXT NOT NULL, at \(int) NOT NULL)
            """,
            "CREATE INDEX bounce_events_by_address ON bounce_events (address, at)",
        ]
    }
}
