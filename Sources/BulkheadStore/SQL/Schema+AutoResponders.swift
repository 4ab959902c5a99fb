extension Schema {
    /// Version 9, auto-responders: when each responder was enabled (it answers only mail written after
    /// that), the people who wrote to it (the last reply sent them, the last message seen), and one log
    /// row per message received or imported with what became of it; relay messages name the responder
    /// whose reply or forward they are.
    static func version9(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            "CREATE TABLE autoresponders (address TEXT PRIMARY KEY CHECK (address <> ''), enabled_at \(int) NOT NULL)",
            """
            CREATE TABLE autoreply_senders (responder TEXT NOT NULL REFERENCES autoresponders(address), sender TEXT NOT NULL,
              last_replied_at \(int), last_seen_at \(int) NOT NULL, messages \(int) NOT NULL DEFAULT 0, PRIMARY KEY (responder, sender))
            """,
            """
            CREATE TABLE autoreply_log (id \(pk), responder TEXT NOT NULL REFERENCES autoresponders(address), at \(int) NOT NULL,
              sender TEXT NOT NULL, message_id TEXT, outcome TEXT NOT NULL CHECK (outcome <> ''),
              reply_id \(int) REFERENCES relay_messages(id), forward_id \(int) REFERENCES relay_messages(id))
            """,
            "CREATE INDEX autoreply_log_by_outcome ON autoreply_log (outcome, at)",
            "CREATE INDEX autoreply_log_by_message_id ON autoreply_log (responder, message_id)",
            "ALTER TABLE relay_messages ADD COLUMN responder TEXT",
        ]
    }
}
