extension Schema {
    /// Version 13, public sign-up with double opt-in: `lists.sign_up` (`off`, the default: a list takes
    /// no sign-ups from the public form; `double-opt-in`: it does, each confirmed by its link) and
    /// `sign_up_mails`, one row per confirmation mail sent, which the rate limits count (per address
    /// and list, per client, per list); rows older than a day are dropped as new ones come.
    static func version13(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            """
            ALTER TABLE lists ADD COLUMN sign_up TEXT NOT NULL DEFAULT 'off'
              CHECK (sign_up IN \(sqlList(ListSignUp.allCases.map(\.rawValue))))
            """,
            """
            CREATE TABLE sign_up_mails (id \(pk), list_id \(int) NOT NULL REFERENCES lists(id),
              subscriber_id \(int) NOT NULL REFERENCES subscribers(id), client TEXT NOT NULL, at \(int) NOT NULL)
            """,
            "CREATE INDEX sign_up_mails_by_address ON sign_up_mails (list_id, subscriber_id, at)",
            "CREATE INDEX sign_up_mails_by_client ON sign_up_mails (client, at)",
            "CREATE INDEX sign_up_mails_by_time ON sign_up_mails (at)",
        ]
    }
}
