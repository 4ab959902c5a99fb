extension Schema {
    /// Version 4, users and four eyes: the user table (name, roles, bcrypt hash, disabled), campaign
    /// approvals and rejections (each bound to a content fingerprint, the audience and its eligible
    /// count), override requests, and in the audit log the operating-system account of a person and
    /// whether they authenticated.
    static func version4(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            """
            CREATE TABLE users (id \(pk), name TEXT NOT NULL UNIQUE CHECK (name <> ''), roles TEXT NOT NULL,
              password_hash TEXT NOT NULL CHECK (password_hash <> ''), disabled \(int) NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
              created_at \(int) NOT NULL)
            """,
            """
            CREATE TABLE campaign_approvals (id \(pk), campaign_id \(int) NOT NULL REFERENCES campaigns(id),
              decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')), decided_by TEXT NOT NULL, at \(int) NOT NULL,
              comment TEXT, fingerprint TEXT NOT NULL, audience TEXT NOT NULL, eligible \(int) NOT NULL,
              overrides_through \(int) NOT NULL)
            """,
            "CREATE INDEX approvals_by_campaign ON campaign_approvals (campaign_id, id)",
            """
            CREATE TABLE campaign_overrides (id \(pk), campaign_id \(int) NOT NULL REFERENCES campaigns(id),
              code TEXT NOT NULL CHECK (code <> ''), reason TEXT NOT NULL CHECK (reason <> ''), requested_by TEXT NOT NULL,
              at \(int) NOT NULL)
            """,
            "CREATE INDEX overrides_by_campaign ON campaign_overrides (campaign_id, id)",
            "ALTER TABLE audit_log ADD COLUMN os_user TEXT",
            "ALTER TABLE audit_log ADD COLUMN authenticated \(int) NOT NULL DEFAULT 0",
        ]
    }
}
