import Foundation

extension SQLMailStore {
    // MARK: Web sessions

    /// Records a dashboard log-in (audited `user.login`).
    public func createWebSession(_ session: NewWebSession) async throws {
        guard !session.tokenHash.isEmpty, !session.csrfToken.isEmpty else { throw StoreError.invalidData("a session needs a token and a CSRF token") }
        let clock = clock
        try await backend.transaction { tx in
            let now = clock.date
            guard let user = try tx.one(Queries.user(named: session.userName)).map({ row throws(StoreError) in try User(row: row) }), !user.disabled
            else { throw StoreError.notFound(.user(session.userName)) }
            // Sessions that ended are removed with each log-in: the table holds live sessions only.
            _ = try tx.changes(SQLStatement("DELETE FROM web_sessions WHERE expires_at <= ?", [SQLValue(now)]))
            _ = try tx.changes(
                SQLStatement(
                    "INSERT INTO web_sessions (token_hash, user_name, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    [.text(session.tokenHash), .text(user.name), .text(session.csrfToken), SQLValue(now), SQLValue(session.expiresAt)]))
            let event = NewAuditEvent(actor: .human(user.name), action: "user.login", subjectKind: "user", subjectID: user.name)
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
        }
    }

    /// The live session whose cookie hashes to `tokenHash`, with its enabled user, or nil.
    public func webSession(tokenHash: String) async throws -> WebSession? {
        let now = clock.date
        guard
            let row = try await backend.one(
                SQLStatement(
                    """
                    SELECT s.csrf_token AS csrf_token, s.created_at AS session_created_at, s.expires_at AS expires_at, u.*
                    FROM web_sessions s JOIN users u ON u.name = s.user_name
                    WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0
                    """, [.text(tokenHash), SQLValue(now)]))
        else { return nil }
        return WebSession(
            user: try User(row: row), csrfToken: try row.text("csrf_token"), createdAt: try row.date("session_created_at"),
            expiresAt: try row.date("expires_at"))
    }

    /// Ends a session; true when one was ended.
    public func endWebSession(tokenHash: String) async throws -> Bool {
        try await backend.transaction { tx in
            try tx.changes(SQLStatement("DELETE FROM web_sessions WHERE token_hash = ?", [.text(tokenHash)])) > 0
        }
    }

    // MARK: API tokens

    /// Records an API token (audited `token.create`, with its scopes and label, never its value).
    public func createAPIToken(_ token: NewAPIToken, actor: AuditActor) async throws -> APIToken {
        guard !token.tokenHash.isEmpty else { throw StoreError.invalidData("a token needs its hash") }
        guard !token.scopes.isEmpty else { throw StoreError.invalidData("a token needs at least one scope") }
        let clock = clock
        return try await backend.transaction { tx in
            let now = clock.date
            guard let user = try tx.one(Queries.user(named: token.userName)).map({ row throws(StoreError) in try User(row: row) }), !user.disabled
            else { throw StoreError.notFound(.user(token.userName)) }
            let beyond = token.scopes.subtracting(APIScope.allowed(for: user.roles))
            guard beyond.isEmpty else {
                throw StoreError.refused(
                    "\(user.name) (roles \(Self.rolesText(user.roles))) may not give a token the scope \(APIScope.text(beyond))")
            }
            let created = try APIToken(
                row: try Self.required(
                    try tx.one(
                        SQLStatement(
                            "INSERT INTO api_tokens (token_hash, user_name, scopes, label, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
                            [.text(token.tokenHash), .text(user.name), .text(APIScope.text(token.scopes)), .text(token.label), SQLValue(now)]))))
            let event = NewAuditEvent(
                actor: actor, action: "token.create", subjectKind: "user", subjectID: user.name,
                details: ["token": .number(Double(created.id)), "scopes": .string(APIScope.text(token.scopes)), "label": .string(token.label)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return created
        }
    }

    /// The unrevoked token whose value hashes to `tokenHash`, with its enabled user, or nil.
    public func apiGrant(tokenHash: String) async throws -> APIGrant? {
        guard
            let row = try await backend.one(
                SQLStatement(
                    """
                    SELECT t.id AS token_id, t.scopes AS scopes, t.label AS label, t.created_at AS token_created_at, u.*
                    FROM api_tokens t JOIN users u ON u.name = t.user_name
                    WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0
                    """, [.text(tokenHash)]))
        else { return nil }
        let user = try User(row: row)
        let token = APIToken(
            id: try row.int("token_id"), userName: user.name, scopes: try APIScope.parseList(try row.text("scopes")),
            label: try row.text("label"), createdAt: try row.date("token_created_at"), revokedAt: nil)
        return APIGrant(token: token, user: user)
    }

    /// Every token of a user (all when nil), newest first.
    public func apiTokens(userName: String?) async throws -> [APIToken] {
        let statement =
            if let userName {
                SQLStatement("SELECT * FROM api_tokens WHERE user_name = ? ORDER BY id DESC", [.text(userName)])
            } else {
                SQLStatement("SELECT * FROM api_tokens ORDER BY id DESC")
            }
        return try await backend.read(statement).map { row throws(StoreError) in try APIToken(row: row) }
    }

    /// Revokes a token (audited `token.revoke`); false when it was revoked already.
    public func revokeAPIToken(id: Int64, actor: AuditActor) async throws -> Bool {
        let clock = clock
        return try await backend.transaction { tx in
            let now = clock.date
            guard let row = try tx.one(SQLStatement("SELECT * FROM api_tokens WHERE id = ?", [.int(id)])) else {
                throw StoreError.notFound(.apiToken(id))
            }
            let token = try APIToken(row: row)
            guard token.revokedAt == nil else { return false }
            _ = try tx.changes(SQLStatement("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [SQLValue(now), .int(id)]))
            let event = NewAuditEvent(
                actor: actor, action: "token.revoke", subjectKind: "user", subjectID: token.userName, details: ["token": .number(Double(id))])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return true
        }
    }
}

extension APIToken {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            id: try row.int("id"), userName: try row.text("user_name"), scopes: try APIScope.parseList(try row.text("scopes")),
            label: try row.text("label"), createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"))
    }
}
