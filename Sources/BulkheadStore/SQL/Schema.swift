/// The two SQL dialects the store speaks.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Rewrites `?` placeholders as `$1, $2, …` for PostgreSQL (our SQL has no `?` in literals).
    func render(_ sql: String) -> String {
        guard self == .postgres else { return sql }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                out += "$\(index)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// A fresh VERP token for subscriber `s.id` of the campaign bound to the one `?`, as an SQL
    /// expression: the campaign number in hex, `g`, the subscriber number in 12 hex digits, `g`,
    /// then 80 random bits in hex. The ordered prefix makes an enqueue add to the end of the unique
    /// token index instead of all over it (a fully random token made enqueueing 100,000 recipients
    /// take seconds, and a million far longer); the random part keeps the token unguessable, so
    /// nobody can forge a bounce for somebody else's address.
    var verpTokenExpression: String {
        switch self {
        case .sqlite:
            "printf('%x', ?) || 'g' || printf('%012x', s.id) || 'g' || lower(hex(randomblob(10)))"
        case .postgres:
            // Characters 1-12 of a version 4 UUID without dashes are random, and so are its last 8.
            """
            to_hex(?::bigint) || 'g' || lpad(to_hex(s.id), 12, '0') || 'g'
              || left(replace(gen_random_uuid()::text, '-', ''), 12) || right(gen_random_uuid()::text, 8)
            """
        }
    }

    /// `column` is one of the strings bound to the single `?` (a ``SQLValue/textArray(_:)``).
    func inTextArray(_ column: String) -> String {
        switch self {
        case .sqlite: "\(column) IN (SELECT value FROM json_each(?))"
        case .postgres: "\(column) = ANY(?)"
        }
    }

    /// `column` is one of the integers bound to the single `?` (an ``SQLValue/intArray(_:)``).
    func inIntArray(_ column: String) -> String {
        switch self {
        case .sqlite: "\(column) IN (SELECT value FROM json_each(?))"
        case .postgres: "\(column) = ANY(?)"
        }
    }

    /// The string value of JSON attribute `?` (a path on SQLite, a key on PostgreSQL) of a TEXT column.
    func jsonStringAttribute(_ column: String) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), ?)"
        case .postgres: "(\(column)::jsonb ->> ?)"
        }
    }

    /// The bound argument addressing attribute `name` in ``jsonStringAttribute(_:)``.
    func jsonAttributeArgument(_ name: String) -> SQLValue {
        switch self {
        case .sqlite: .text("$.\"\(name)\"")
        case .postgres: .text(name)
        }
    }

    /// Row-locking suffix of a claim's inner SELECT.
    var claimLock: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE SKIP LOCKED"
        }
    }

    /// Row-locking suffix of a claim's SELECT over a join that locks only the rows of `table` (an alias).
    func claimLock(of table: String) -> String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE OF \(table) SKIP LOCKED"
        }
    }

    /// Row-locking suffix of a SELECT that precedes an UPDATE of the same row.
    var forUpdate: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE"
        }
    }

    /// Row-locking suffix that lets many claimers read a campaign's state while blocking its transition.
    var forShare: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR SHARE"
        }
    }
}

/// Versioned schema migrations, applied in order; each version is a list of single statements.
enum Schema {
    /// (version, statements) for a dialect.
    static func migrations(_ dialect: SQLDialect) -> [(version: Int, statements: [String])] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        let membershipStates = sqlList(MembershipStatus.allCases.map(\.rawValue))
        let reasons = sqlList(SuppressionReason.allCases.map(\.rawValue))
        var v1 = [
            """
            CREATE TABLE lists (id \(pk), name TEXT NOT NULL UNIQUE CHECK (name <> ''),
              description TEXT NOT NULL, created_at \(int) NOT NULL)
            """,
            """
            CREATE TABLE subscribers (id \(pk), address TEXT NOT NULL UNIQUE, name TEXT,
              attributes TEXT NOT NULL, created_at \(int) NOT NULL, updated_at \(int) NOT NULL)
            """,
            """
            CREATE TABLE memberships (list_id \(int) NOT NULL REFERENCES lists(id),
              subscriber_id \(int) NOT NULL REFERENCES subscribers(id),
              status TEXT NOT NULL CHECK (status IN \(membershipStates)), last_import_id TEXT,
              updated_at \(int) NOT NULL, PRIMARY KEY (list_id, subscriber_id))
            """,
            "CREATE INDEX memberships_by_status ON memberships (list_id, status)",
            """
            CREATE TABLE consent_records (id \(pk), subscriber_id \(int) NOT NULL REFERENCES subscribers(id),
              list_id \(int) NOT NULL REFERENCES lists(id), kind TEXT NOT NULL CHECK (kind IN ('given', 'withdrawn')),
              at \(int) NOT NULL, method TEXT NOT NULL CHECK (method <> ''), source TEXT NOT NULL,
              ip_or_channel TEXT, text_shown TEXT)
            """,
            "CREATE INDEX consent_by_subscriber ON consent_records (subscriber_id, id)",
            """
            CREATE TABLE suppressions (address TEXT PRIMARY KEY, reason TEXT NOT NULL CHECK (reason IN \(reasons)),
              at \(int) NOT NULL, source TEXT NOT NULL, note TEXT)
            """,
            campaignsTable("campaigns", states: v1CampaignStates, dialect),
            ledgerTable("ledger", states: v1LedgerStates, dialect),
            "CREATE INDEX ledger_by_state ON ledger (campaign_id, state, id)",
            """
            CREATE TABLE audit_log (id \(pk), at \(int) NOT NULL,
              actor_kind TEXT NOT NULL CHECK (actor_kind IN ('system', 'human')), actor_name TEXT NOT NULL,
              action TEXT NOT NULL, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, details TEXT NOT NULL)
            """,
            "CREATE INDEX audit_by_subject ON audit_log (subject_kind, subject_id, id)",
        ]
        switch dialect {
        case .sqlite:
            v1 += [
                """
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
                """,
                """
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
                """,
            ]
        case .postgres:
            v1 += [
                """
                CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$
                """,
                """
                CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()
                """,
                """
                CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()
                """,
            ]
        }
        return [
            (1, v1), (2, version2(dialect)), (3, version3(dialect)), (4, version4(dialect)), (5, version5(dialect)), (6, version6(dialect)),
            (7, version7(dialect)), (8, version8(dialect)), (9, version9(dialect)), (10, version10(dialect)), (11, version11(dialect)),
            (12, version12(dialect)), (13, version13(dialect)), (14, version14(dialect)), (15, version15(dialect)),
        ]
    }

    /// The campaign states of versions 1 and 2 (before the guardrails' states).
    private static let v1CampaignStates = ["draft", "scheduled", "sending", "paused", "sent", "aborted"]

    /// The ledger states of version 1 (before `suppressed`).
    private static let v1LedgerStates = ["queued", "sending", "sent", "deferred", "failed", "uncertain"]

    private static func ledgerTable(_ name: String, states: [String], _ dialect: SQLDialect) -> String {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return """
            CREATE TABLE \(name) (id \(pk), campaign_id \(int) NOT NULL REFERENCES campaigns(id),
              address TEXT NOT NULL, subscriber_id \(int) NOT NULL REFERENCES subscribers(id),
              state TEXT NOT NULL CHECK (state IN \(sqlList(states))), attempts \(int) NOT NULL,
              next_attempt_at \(int), last_reply_code \(int), last_reply_text TEXT, claimed_by TEXT,
              updated_at \(int) NOT NULL, verp_token TEXT NOT NULL UNIQUE, UNIQUE (campaign_id, address))
            """
    }

    /// Version 2: the ledger state `suppressed` (an opt-out seen when the entry was due), worker leases
    /// (dead-worker recovery without guessing from host and PID), and store-wide secrets (the
    /// unsubscribe key shared by every host of one store).
    private static func version2(_ dialect: SQLDialect) -> [String] {
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        var statements: [String]
        switch dialect {
        case .sqlite:
            // SQLite cannot change a CHECK constraint in place: the table is rebuilt (nothing refers to it).
            statements = [
                ledgerTable("ledger_v2", states: LedgerState.allCases.map(\.rawValue), dialect),
                "INSERT INTO ledger_v2 SELECT * FROM ledger",
                "DROP TABLE ledger",
                "ALTER TABLE ledger_v2 RENAME TO ledger",
                "CREATE INDEX ledger_by_state ON ledger (campaign_id, state, id)",
            ]
        case .postgres:
            statements = [
                "ALTER TABLE ledger DROP CONSTRAINT ledger_state_check",
                "ALTER TABLE ledger ADD CONSTRAINT ledger_state_check CHECK (state IN \(sqlList(LedgerState.allCases.map(\.rawValue))))",
            ]
        }
        statements += [
            """
            CREATE TABLE worker_leases (worker TEXT PRIMARY KEY, host TEXT NOT NULL, machine TEXT NOT NULL,
              pid \(int) NOT NULL, started_at \(int) NOT NULL, renewed_at \(int) NOT NULL, lease_until \(int) NOT NULL)
            """,
            "CREATE TABLE store_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at \(int) NOT NULL)",
            "ALTER TABLE lists ADD COLUMN list_id_label TEXT",
            "CREATE TABLE store_upgrades (name TEXT PRIMARY KEY, done_at \(int) NOT NULL)",
        ]
        return statements
    }

    private static func campaignsTable(_ name: String, states: [String], _ dialect: SQLDialect) -> String {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return """
            CREATE TABLE \(name) (id \(pk), name TEXT NOT NULL, list_id \(int) NOT NULL REFERENCES lists(id),
              segment TEXT, from_address TEXT NOT NULL, subject_template TEXT NOT NULL, text_template TEXT NOT NULL,
              html_template TEXT, attachments TEXT NOT NULL, dkim_key_ref TEXT, scheduled_at \(int),
              state TEXT NOT NULL CHECK (state IN \(sqlList(states))), created_at \(int) NOT NULL,
              updated_at \(int) NOT NULL)
            """
    }

    /// Version 3, the guardrails: the campaign states `pending`, `canary`, `canary-hold` and
    /// `cancelled`; a campaign's kind, author, pause reason, the state it was paused in, its state's
    /// deadline (undo window, canary hold) and the incident it follows up; store-wide latches (the
    /// emergency stop).
    private static func version3(_ dialect: SQLDialect) -> [String] {
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        let states = sqlList(CampaignState.allCases.map(\.rawValue))
        var statements: [String]
        switch dialect {
        case .sqlite:
            // SQLite cannot change a CHECK constraint in place: the table is rebuilt. GRDB's migrator runs
            // this with foreign keys off and checks them all before the commit.
            statements = [
                campaignsTable("campaigns_v3", states: CampaignState.allCases.map(\.rawValue), dialect),
                "INSERT INTO campaigns_v3 SELECT * FROM campaigns",
                "DROP TABLE campaigns",
                "ALTER TABLE campaigns_v3 RENAME TO campaigns",
            ]
        case .postgres:
            statements = [
                "ALTER TABLE campaigns DROP CONSTRAINT campaigns_state_check",
                "ALTER TABLE campaigns ADD CONSTRAINT campaigns_state_check CHECK (state IN \(states))",
            ]
        }
        statements += [
            "ALTER TABLE campaigns ADD COLUMN kind TEXT NOT NULL DEFAULT 'commercial' CHECK (kind IN ('commercial', 'transactional'))",
            "ALTER TABLE campaigns ADD COLUMN created_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE campaigns ADD COLUMN pause_reason TEXT",
            "ALTER TABLE campaigns ADD COLUMN paused_from TEXT",
            "ALTER TABLE campaigns ADD COLUMN state_deadline \(int)",
            "ALTER TABLE campaigns ADD COLUMN follow_up_of \(int) REFERENCES campaigns(id)",
            """
            CREATE TABLE latches (name TEXT PRIMARY KEY, set_at \(int) NOT NULL, set_by TEXT NOT NULL,
              reason TEXT NOT NULL)
            """,
        ]
        return statements
    }

    /// Version 5, staged sending: a list's seed addresses; the ledger's wave (`canary` or `rest`) and
    /// seed mark, with a partial index for claims in the canary; the per-campaign outcome log the brakes
    /// judge (one row per final outcome, its events set at send or later); the first outcome a resumed
    /// campaign's brakes count (after a brake pause). Versions 4 and 6 come from parallel work: each
    /// version applies on its own, in order, whatever is missing.
    private static func version5(_ dialect: SQLDialect) -> [String] {
        let pk = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            """
            CREATE TABLE list_seeds (list_id \(int) NOT NULL REFERENCES lists(id),
              subscriber_id \(int) NOT NULL REFERENCES subscribers(id), added_at \(int) NOT NULL,
              PRIMARY KEY (list_id, subscriber_id))
            """,
            "ALTER TABLE ledger ADD COLUMN wave TEXT NOT NULL DEFAULT 'rest' CHECK (wave IN \(sqlList(LedgerWave.allCases.map(\.rawValue))))",
            "ALTER TABLE ledger ADD COLUMN seed \(int) NOT NULL DEFAULT 0 CHECK (seed IN (0, 1))",
            "CREATE INDEX ledger_canary ON ledger (campaign_id, state, id) WHERE wave = 'canary'",
            """
            CREATE TABLE campaign_outcomes (id \(pk), campaign_id \(int) NOT NULL REFERENCES campaigns(id),
              ledger_id \(int) NOT NULL REFERENCES ledger(id), at \(int) NOT NULL,
              rejection \(int) NOT NULL DEFAULT 0, hard_bounce \(int) NOT NULL DEFAULT 0,
              complaint \(int) NOT NULL DEFAULT 0, unsubscribe \(int) NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX campaign_outcomes_by_campaign ON campaign_outcomes (campaign_id, id)",
            "CREATE INDEX campaign_outcomes_by_entry ON campaign_outcomes (ledger_id)",
            "ALTER TABLE campaigns ADD COLUMN brakes_after \(int) NOT NULL DEFAULT 0",
        ]
    }

    static func sqlList(_ values: [String]) -> String {
        "(" + values.map { "'\($0)'" }.joined(separator: ", ") + ")"
    }
}
