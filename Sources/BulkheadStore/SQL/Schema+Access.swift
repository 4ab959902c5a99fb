extension Schema {
    /// Version 11, access from the web and the API: dashboard log-in sessions (only the SHA-256 of
    /// each session cookie is kept, with the session's CSRF token and its expiry) and API tokens (only
    /// their SHA-256, the user they act for and the scopes within that user's roles). Users are never
    /// deleted (only disabled), so the user name needs no foreign key: every read joins `users`.
    static func version11(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            """
            CREATE TABLE web_sessions (token_hash TEXT PRIMARY KEY CHECK (token_hash <> ''),
              user_name TEXT NOT NULL, csrf_token TEXT NOT NULL CHECK (csrf_token <> ''),
              created_at \(int) NOT NULL, expires_at \(int) NOT NULL)
            """,
            "CREATE INDEX web_sessions_by_user ON web_sessions (user_name)",
            """
            CREATE TABLE api_tokens (id \(pk), token_hash TEXT NOT NULL UNIQUE CHECK (token_hash <> ''),
              user_name TEXT NOT NULL, scopes TEXT NOT NULL CHECK (scopes <> ''),
              label TEXT NOT NULL, created_at \(int) NOT NULL, revoked_at \(int))
            """,
        ]
    }
}
