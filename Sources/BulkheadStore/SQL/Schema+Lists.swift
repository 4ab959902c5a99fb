import BulkheadPolicy

extension Schema {
    /// Version 8, hosted lists: a list's posting address, policy (NULL: the default by size), emergency
    /// switch, owner and announce posters; list posts are relay messages with their list, Message-ID,
    /// thread and reply flag, and their recipients name the member; reply-all storm blocks, with the
    /// senders already told about one.
    static func version8(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            """
            CREATE TABLE hosted_lists (list_id \(int) PRIMARY KEY REFERENCES lists(id), address TEXT NOT NULL UNIQUE CHECK (address <> ''),
              policy TEXT CHECK (policy IN \(sqlList(ListPostPolicy.allCases.map(\.rawValue)))),
              emergency \(int) NOT NULL DEFAULT 0 CHECK (emergency IN (0, 1)), owner TEXT, created_at \(int) NOT NULL)
            """,
            """
            CREATE TABLE list_posters (list_id \(int) NOT NULL REFERENCES hosted_lists(list_id), address TEXT NOT NULL,
              PRIMARY KEY (list_id, address))
            """,
            "ALTER TABLE relay_messages ADD COLUMN list_id \(int) REFERENCES lists(id)",
            "ALTER TABLE relay_messages ADD COLUMN message_id TEXT",
            "ALTER TABLE relay_messages ADD COLUMN thread_key TEXT",
            "ALTER TABLE relay_messages ADD COLUMN is_reply \(int) NOT NULL DEFAULT 0",
            "CREATE INDEX relay_messages_by_thread ON relay_messages (list_id, thread_key, received_at)",
            "CREATE INDEX relay_messages_by_message_id ON relay_messages (list_id, message_id)",
            "ALTER TABLE relay_recipients ADD COLUMN subscriber_id \(int) REFERENCES subscribers(id)",
            """
            CREATE TABLE list_storms (id \(pk), list_id \(int) NOT NULL REFERENCES lists(id), thread_key TEXT NOT NULL,
              started_at \(int) NOT NULL, blocked_until \(int) NOT NULL)
            """,
            "CREATE INDEX list_storms_by_thread ON list_storms (list_id, thread_key, blocked_until)",
            """
            CREATE TABLE list_storm_notices (storm_id \(int) NOT NULL REFERENCES list_storms(id), sender TEXT NOT NULL,
              PRIMARY KEY (storm_id, sender))
            """,
        ]
    }
}
