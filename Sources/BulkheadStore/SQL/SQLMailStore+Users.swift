import Foundation

extension SQLMailStore {
    // MARK: Users

    /// Creates a user (audited `user.create`).
    public func createUser(_ user: NewUser, actor: AuditActor) async throws -> User {
        try UserName.check(user.name)
        guard !user.roles.isEmpty else { throw StoreError.invalidData("a user needs at least one role") }
        guard !user.passwordHash.isEmpty else { throw StoreError.invalidData("a user needs a password hash") }
        let clock = clock
        return try await backend.transaction { tx in
            let now = clock.date
            guard try tx.one(Queries.user(named: user.name)) == nil else {
                throw StoreError.duplicate(kind: "user", key: user.name)
            }
            let created = try User(
                row: try Self.required(
                    try tx.one(
                        SQLStatement(
                            "INSERT INTO users (name, roles, password_hash, disabled, created_at) VALUES (?, ?, ?, 0, ?) RETURNING *",
                            [.text(user.name), .text(Self.rolesText(user.roles)), .text(user.passwordHash), SQLValue(now)]))))
            let event = NewAuditEvent(
                actor: actor, action: "user.create", subjectKind: "user", subjectID: user.name,
                details: ["roles": .string(Self.rolesText(user.roles))])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return created
        }
    }

    /// The user with this name, or nil.
    public func user(named name: String) async throws -> User? {
        try await backend.one(Queries.user(named: name)).map { row throws(StoreError) in try User(row: row) }
    }

    /// All users, by name.
    public func allUsers() async throws -> [User] {
        // Sorted here, not by the database: PostgreSQL orders text by its collation, SQLite by bytes.
        try await backend.read(SQLStatement("SELECT * FROM users")).map { row throws(StoreError) in try User(row: row) }.sorted { $0.name < $1.name }
    }

    /// Disables a user (audited `user.disable`), unless that leaves no enabled admin.
    public func disableUser(named name: String, actor: AuditActor) async throws -> User {
        let clock = clock
        let lock = dialect.forUpdate
        return try await backend.transaction { tx in
            let now = clock.date
            // Every user row is locked (PostgreSQL): two admins disabling each other cannot both pass the check.
            let users = try tx.rows(SQLStatement("SELECT * FROM users ORDER BY name\(lock)")).map { row throws(StoreError) in try User(row: row) }
            guard let user = users.first(where: { $0.name == name }) else { throw StoreError.notFound(.user(name)) }
            guard !user.disabled else { return user }
            if user.roles.contains(.admin), !users.contains(where: { $0.name != name && !$0.disabled && $0.roles.contains(.admin) }) {
                throw StoreError.refused("\(name) is the last enabled admin: create another admin first")
            }
            let disabled = try User(
                row: try Self.required(try tx.one(SQLStatement("UPDATE users SET disabled = 1 WHERE name = ? RETURNING *", [.text(name)]))))
            let event = NewAuditEvent(actor: actor, action: "user.disable", subjectKind: "user", subjectID: name)
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return disabled
        }
    }

    static func rolesText(_ roles: Set<UserRole>) -> String {
        roles.sorted().map(\.rawValue).joined(separator: ",")
    }

    // MARK: Approvals and overrides

    /// The states in which a campaign can be approved, rejected or given an override: before its send
    /// goes out (or while it is held).
    static let decidableStates: Set<CampaignState> = [.draft, .scheduled, .paused]

    /// Records an approval or a rejection (audited `campaign.approve` or `campaign.reject`); neither the
    /// author, nor anyone who edited the campaign, nor anyone who requested an override on it may decide.
    public func recordApproval(campaign id: CampaignID, _ approval: NewApproval, actor: AuditActor) async throws -> CampaignApproval {
        guard actor != .system else { throw StoreError.refused("an approval is a person's decision, not the system's") }
        guard approval.eligible >= 0 else { throw StoreError.invalidData("a negative eligible count") }
        let audience = try JSONText.encode(approval.audience)
        let clock = clock
        let lock = dialect.forUpdate
        return try await backend.transaction { tx in
            let campaign = try Self.campaign(tx, id, lock: lock)
            let now = clock.date
            try Self.requireDecidable(campaign, "approved or rejected")
            guard actor.displayName != campaign.createdBy else {
                throw StoreError.refused(
                    "\(actor.displayName) is the author of campaign \(id.rawValue): another approver must decide")
            }
            // Whoever changed the content since (`campaign.update`) wrote part of it: four eyes exclude them too.
            let edits = try tx.one(
                SQLStatement(
                    """
                    SELECT count(*) AS n FROM audit_log WHERE subject_kind = 'campaign' AND subject_id = ?
                      AND action = 'campaign.update' AND actor_kind = 'human' AND actor_name = ?
                    """, [.text("\(id.rawValue)"), .text(actor.displayName)]))
            guard try edits?.int("n") ?? 0 == 0 else {
                throw StoreError.refused("\(actor.displayName) edited campaign \(id.rawValue): another approver must decide")
            }
            // An override is one person's request to waive an error: a second person must approve it.
            let requested = try tx.one(
                SQLStatement(
                    "SELECT count(*) AS n FROM campaign_overrides WHERE campaign_id = ? AND requested_by = ?",
                    [.int(id.rawValue), .text(actor.displayName)]))
            guard try requested?.int("n") ?? 0 == 0 else {
                throw StoreError.refused(
                    "\(actor.displayName) requested an override on campaign \(id.rawValue): another approver must decide")
            }
            let newest = try tx.one(
                SQLStatement("SELECT max(id) AS newest FROM campaign_overrides WHERE campaign_id = ?", [.int(id.rawValue)]))
            let through = try newest?.optionalInt("newest") ?? 0
            let recorded = try CampaignApproval(
                row: try Self.required(
                    try tx.one(
                        SQLStatement(
                            """
                            INSERT INTO campaign_approvals (campaign_id, decision, decided_by, at, comment, fingerprint, audience,
                              eligible, overrides_through)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
                            """,
                            [
                                .int(id.rawValue), .text(approval.decision.rawValue), .text(actor.displayName), SQLValue(now),
                                SQLValue(approval.comment), .text(approval.fingerprint), .text(audience),
                                .int(Int64(approval.eligible)), .int(through),
                            ]))))
            var details: [String: JSONValue] = [
                "fingerprint": .string(approval.fingerprint), "eligible": .number(Double(approval.eligible)),
            ]
            if let comment = approval.comment { details["comment"] = .string(comment) }
            let event = NewAuditEvent(
                actor: actor, action: "campaign.\(approval.decision.rawValue)", subjectKind: "campaign",
                subjectID: "\(id.rawValue)", details: details)
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return recorded
        }
    }

    /// A campaign's decisions, oldest first.
    public func approvals(campaign id: CampaignID) async throws -> [CampaignApproval] {
        try await backend.read(
            SQLStatement("SELECT * FROM campaign_approvals WHERE campaign_id = ? ORDER BY id", [.int(id.rawValue)])
        ).map { row throws(StoreError) in try CampaignApproval(row: row) }
    }

    /// Records an override request (audited `campaign.override`).
    public func addOverride(campaign id: CampaignID, code: String, reason: String, actor: AuditActor) async throws -> OverrideRequest {
        guard !code.trimmingCharacters(in: .whitespaces).isEmpty else { throw StoreError.invalidData("an override needs a finding code") }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw StoreError.invalidData("an override needs a reason")
        }
        let clock = clock
        let lock = dialect.forUpdate
        return try await backend.transaction { tx in
            let campaign = try Self.campaign(tx, id, lock: lock)
            let now = clock.date
            try Self.requireDecidable(campaign, "given an override")
            let recorded = try OverrideRequest(
                row: try Self.required(
                    try tx.one(
                        SQLStatement(
                            "INSERT INTO campaign_overrides (campaign_id, code, reason, requested_by, at) VALUES (?, ?, ?, ?, ?) RETURNING *",
                            [.int(id.rawValue), .text(code), .text(reason), .text(actor.displayName), SQLValue(now)]))))
            let event = NewAuditEvent(
                actor: actor, action: "campaign.override", subjectKind: "campaign", subjectID: "\(id.rawValue)",
                details: ["code": .string(code), "reason": .string(reason)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
            return recorded
        }
    }

    /// A campaign's override requests, oldest first.
    public func overrides(campaign id: CampaignID) async throws -> [OverrideRequest] {
        try await backend.read(
            SQLStatement("SELECT * FROM campaign_overrides WHERE campaign_id = ? ORDER BY id", [.int(id.rawValue)])
        ).map { row throws(StoreError) in try OverrideRequest(row: row) }
    }

    private static func requireDecidable(_ campaign: Campaign, _ what: String) throws(StoreError) {
        guard decidableStates.contains(campaign.state) else {
            throw .refused(
                "campaign \(campaign.id.rawValue) is \(campaign.state.rawValue); only a draft, scheduled or paused campaign can be \(what)")
        }
    }
}

extension Queries {
    static func user(named name: String) -> SQLStatement {
        SQLStatement("SELECT * FROM users WHERE name = ?", [.text(name)])
    }
}

extension User {
    init(row: SQLRow) throws(StoreError) {
        let text = try row.text("roles")
        self.init(
            name: try row.text("name"), roles: try UserRole.parseList(text), passwordHash: try row.text("password_hash"),
            disabled: try row.int("disabled") != 0, createdAt: try row.date("created_at"))
    }
}

extension CampaignApproval {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            id: try row.int("id"), campaignID: CampaignID(rawValue: try row.int("campaign_id")),
            decision: try row.enumValue(ApprovalDecision.self, "decision"), by: try row.text("decided_by"), at: try row.date("at"),
            comment: try row.optionalText("comment"), fingerprint: try row.text("fingerprint"),
            audience: try row.json(AudienceDefinition.self, "audience"), eligible: Int(try row.int("eligible")),
            overridesThrough: try row.int("overrides_through"))
    }
}

extension OverrideRequest {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            id: try row.int("id"), campaignID: CampaignID(rawValue: try row.int("campaign_id")), code: try row.text("code"),
            reason: try row.text("reason"), by: try row.text("requested_by"), at: try row.date("at"))
    }
}
