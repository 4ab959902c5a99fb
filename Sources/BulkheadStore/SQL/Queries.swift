import Foundation

/// The SQL shared by both backends (written with `?` placeholders; see ``SQLDialect/render(_:)``).
enum Queries {
    // MARK: Latches

    /// Sets the latch `name`; one already set keeps its first time, setter and reason.
    static func setLatch(_ name: String, now: Date, setBy: String, reason: String) -> SQLStatement {
        SQLStatement(
            "INSERT INTO latches (name, set_at, set_by, reason) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
            [.text(name), SQLValue(now), .text(setBy), .text(reason)])
    }

    /// A row when the latch `name` is set.
    static func isLatched(_ name: String) -> SQLStatement {
        SQLStatement("SELECT name FROM latches WHERE name = ?", [.text(name)])
    }

    // MARK: Lists

    static func insertList(name: String, description: String, now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO lists (name, description, created_at, list_id_label) VALUES (?, ?, ?, ?) RETURNING *",
            [.text(name), .text(description), SQLValue(now), .text(MailingList.listIDLabel(forName: name))])
    }

    static func renameList(_ list: MailingList, to name: String) -> SQLStatement {
        SQLStatement(
            "UPDATE lists SET name = ?, list_id_label = ? WHERE id = ? RETURNING *",
            [.text(name), .text(list.listIDLabel), .int(list.id.rawValue)])
    }

    static func list(id: ListID) -> SQLStatement {
        SQLStatement("SELECT * FROM lists WHERE id = ?", [.int(id.rawValue)])
    }

    static func list(named name: String) -> SQLStatement {
        SQLStatement("SELECT * FROM lists WHERE name = ?", [.text(name)])
    }

    static let allLists = SQLStatement("SELECT * FROM lists ORDER BY name")

    // MARK: Subscribers and memberships

    static func subscriber(address: NormalizedAddress) -> SQLStatement {
        SQLStatement("SELECT * FROM subscribers WHERE address = ?", [.text(address.value)])
    }

    static func subscriber(id: SubscriberID) -> SQLStatement {
        SQLStatement("SELECT * FROM subscribers WHERE id = ?", [.int(id.rawValue)])
    }

    static func insertSubscriber(
        address: NormalizedAddress, name: String?, attributes: [String: JSONValue],
        now: Date
    ) throws(StoreError) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO subscribers (address, name, attributes, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?) RETURNING *
            """, [.text(address.value), SQLValue(name), .text(try JSONText.encode(attributes)), SQLValue(now), SQLValue(now)])
    }

    static func updateSubscriber(
        _ id: SubscriberID, name: String?, attributes: [String: JSONValue],
        now: Date
    ) throws(StoreError) -> SQLStatement {
        SQLStatement(
            "UPDATE subscribers SET name = ?, attributes = ?, updated_at = ? WHERE id = ? RETURNING *",
            [SQLValue(name), .text(try JSONText.encode(attributes)), SQLValue(now), .int(id.rawValue)])
    }

    static func membership(list: ListID, subscriber: SubscriberID) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM memberships WHERE list_id = ? AND subscriber_id = ?",
            [.int(list.rawValue), .int(subscriber.rawValue)])
    }

    /// Inserts or updates a membership; `importID` (when not nil) stamps the import that touched it.
    static func upsertMembership(
        list: ListID, subscriber: SubscriberID, status: MembershipStatus,
        importID: String?, now: Date
    ) -> SQLStatement {
        let stamp = importID == nil ? "" : ", last_import_id = excluded.last_import_id"
        return SQLStatement(
            """
            INSERT INTO memberships (list_id, subscriber_id, status, last_import_id, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (list_id, subscriber_id) DO UPDATE SET status = excluded.status,
              updated_at = excluded.updated_at\(stamp)
            RETURNING *
            """, [.int(list.rawValue), .int(subscriber.rawValue), .text(status.rawValue), SQLValue(importID), SQLValue(now)])
    }

    static func members(of list: ListID, status: MembershipStatus?, after: SubscriberID?, limit: Int) -> SQLStatement {
        var sql = """
            SELECT s.*, m.list_id, m.subscriber_id, m.status, m.last_import_id, m.updated_at AS membership_updated_at
            FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
            WHERE m.list_id = ? AND m.subscriber_id > ?
            """
        var binds: [SQLValue] = [.int(list.rawValue), .int(after?.rawValue ?? 0)]
        if let status {
            sql += " AND m.status = ?"
            binds.append(.text(status.rawValue))
        }
        sql += " ORDER BY m.subscriber_id LIMIT ?"
        binds.append(.int(Int64(max(0, limit))))
        return SQLStatement(sql, binds)
    }

    static func membershipCounts(list: ListID) -> SQLStatement {
        SQLStatement(
            "SELECT status, count(*) AS n FROM memberships WHERE list_id = ? GROUP BY status",
            [.int(list.rawValue)])
    }

    // MARK: Batch import

    /// The batch's known subscribers with their membership of `list` (if any); `addresses` are the
    /// batch's stored address values.
    static func importPrefetch(list: ListID, addresses: [String], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            """
            SELECT s.*, m.status AS membership_status, m.last_import_id AS membership_import_id
            FROM subscribers s LEFT JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = ?
            WHERE \(dialect.inTextArray("s.address"))
            """, [.int(list.rawValue), .textArray(addresses)])
    }

    /// Records columns: address, name, attributes. Returns `id, address` of each new row.
    static func insertSubscribers(_ records: BatchRecords, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO subscribers (address, name, attributes, created_at, updated_at)
            SELECT v.address, v.name, v.attributes, ?, ? FROM \(records.source) WHERE true
            RETURNING id, address
            """, [SQLValue(now), SQLValue(now)] + records.binds)
    }

    /// Records columns: address, name, attributes. Inserts those whose address the table does not
    /// hold (the others are left as they are). On PostgreSQL the statement returns one row: how many
    /// went in (`n`) and the lowest and highest of their ids (`lowest`, `highest`); on SQLite,
    /// nothing (read ``subscriberIDs(above:)`` afterwards).
    static func insertNewSubscribers(_ records: BatchRecords, now: Date, _ dialect: SQLDialect) -> SQLStatement {
        let insert = """
            INSERT INTO subscribers (address, name, attributes, created_at, updated_at)
            SELECT v.address, v.name, v.attributes, ?, ? FROM \(records.source) WHERE true
            ON CONFLICT (address) DO NOTHING
            """
        switch dialect {
        case .sqlite:
            return SQLStatement(insert, [SQLValue(now), SQLValue(now)] + records.binds)
        case .postgres:
            // The ids of this statement's own rows: with a sequence that hands out ids in blocks per
            // connection (CACHE > 1), ids above the highest one before need not be this batch's.
            return SQLStatement(
                """
                WITH inserted AS (\(insert) RETURNING id)
                SELECT count(*) AS n, coalesce(min(id), 0) AS lowest, coalesce(max(id), 0) AS highest FROM inserted
                """, [SQLValue(now), SQLValue(now)] + records.binds)
        }
    }

    /// The highest subscriber id (`id`, 0 when there is none).
    static let highestSubscriberID = SQLStatement("SELECT coalesce(max(id), 0) AS id FROM subscribers")

    /// How many subscribers have an id above `id` (`n`), and the lowest and highest of those ids
    /// (`lowest`, `highest`). SQLite only: with its one writer, these are the rows that writer
    /// inserted since it read ``highestSubscriberID`` in the same transaction.
    static func subscriberIDs(above id: Int64) -> SQLStatement {
        SQLStatement(
            "SELECT count(*) AS n, coalesce(min(id), 0) AS lowest, coalesce(max(id), 0) AS highest FROM subscribers WHERE id > ?",
            [.int(id)])
    }

    /// `id, address` of the subscribers with the `addresses` (stored values).
    static func subscriberIDs(addresses: [String], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement("SELECT id, address FROM subscribers WHERE \(dialect.inTextArray("address"))", [.textArray(addresses)])
    }

    /// A savepoint inside the transaction (`name` is a constant of the caller's, never input).
    static func savepoint(_ name: StaticString) -> SQLStatement { SQLStatement("SAVEPOINT \(name)") }
    static func rollbackToSavepoint(_ name: StaticString) -> SQLStatement { SQLStatement("ROLLBACK TO SAVEPOINT \(name)") }
    static func releaseSavepoint(_ name: StaticString) -> SQLStatement { SQLStatement("RELEASE SAVEPOINT \(name)") }

    /// Records columns: id, name, attributes.
    static func updateSubscribers(_ records: BatchRecords, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE subscribers SET name = v.name, attributes = v.attributes, updated_at = ?
            FROM \(records.source) WHERE subscribers.id = v.id
            """, [SQLValue(now)] + records.binds)
    }

    /// Records columns: subscriber_id, status, of subscribers inserted in the same transaction (who
    /// cannot have a membership yet: no ON CONFLICT arbitration). Stamps each with the import id.
    static func insertMemberships(_ records: BatchRecords, list: ListID, importID: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO memberships (list_id, subscriber_id, status, last_import_id, updated_at)
            SELECT ?, v.subscriber_id, v.status, ?, ? FROM \(records.source) WHERE true
            """, [.int(list.rawValue), .text(importID), SQLValue(now)] + records.binds)
    }

    /// Memberships of `status` for the subscribers `ids`, all inserted in the same transaction (see
    /// ``insertMemberships(_:list:importID:now:)``).
    static func insertMemberships(
        _ ids: ClosedRange<Int64>, status: MembershipStatus, list: ListID, importID: String, now: Date
    ) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO memberships (list_id, subscriber_id, status, last_import_id, updated_at)
            SELECT ?, id, ?, ?, ? FROM subscribers WHERE id BETWEEN ? AND ? ORDER BY id
            """,
            [.int(list.rawValue), .text(status.rawValue), .text(importID), SQLValue(now), .int(ids.lowerBound), .int(ids.upperBound)])
    }

    /// The import's look-ups go by index on PostgreSQL for the rest of the transaction: while a large
    /// import grows `subscribers` from nothing, the planner's statistics (from before it started) say
    /// the table is empty and it scans it whole for every batch — quadratic in the file's length.
    static let importUsesIndexes = SQLStatement("SET LOCAL enable_seqscan = off")

    /// Records columns: subscriber_id, status. Stamps every membership with the import id. An import
    /// never resubscribes (``ImportDecision/status(previous:requested:)``), and the statement holds
    /// to that too: an unsubscribe committed after the batch read the membership (PostgreSQL, READ
    /// COMMITTED) stays.
    static func upsertMemberships(
        _ records: BatchRecords, list: ListID, importID: String, now: Date
    ) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO memberships (list_id, subscriber_id, status, last_import_id, updated_at)
            SELECT ?, v.subscriber_id, v.status, ?, ? FROM \(records.source) WHERE true
            ON CONFLICT (list_id, subscriber_id) DO UPDATE SET
              status = CASE WHEN memberships.status = 'unsubscribed' THEN 'unsubscribed' ELSE excluded.status END,
              last_import_id = excluded.last_import_id, updated_at = excluded.updated_at
            """, [.int(list.rawValue), .text(importID), SQLValue(now)] + records.binds)
    }

    /// Records columns: subscriber_id, kind. Method `import`; the rest comes from `consent`. Written
    /// after the memberships: no `given` is recorded for a membership that stayed unsubscribed (see
    /// ``upsertMemberships(_:list:importID:now:)``).
    static func insertImportConsents(
        _ records: BatchRecords, list: ListID, consent: ImportConsent, at: Date
    ) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO consent_records (subscriber_id, list_id, kind, at, method, source, ip_or_channel, text_shown)
            SELECT v.subscriber_id, ?, v.kind, ?, ?, ?, ?, ? FROM \(records.source)
            WHERE v.kind <> 'given' OR NOT EXISTS (
              SELECT 1 FROM memberships m WHERE m.list_id = ? AND m.subscriber_id = v.subscriber_id AND m.status = 'unsubscribed')
            """,
            [
                .int(list.rawValue), SQLValue(at), .text(ConsentMethod.import.rawValue), .text(consent.source),
                SQLValue(consent.ipOrChannel), SQLValue(consent.textShown),
            ] + records.binds + [.int(list.rawValue)])
    }

    /// Consent records of `kind` for the subscribers `ids` (see ``insertImportConsents(_:list:consent:at:)``).
    static func insertImportConsents(
        _ ids: ClosedRange<Int64>, kind: ConsentKind, list: ListID, consent: ImportConsent, at: Date
    ) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO consent_records (subscriber_id, list_id, kind, at, method, source, ip_or_channel, text_shown)
            SELECT id, ?, ?, ?, ?, ?, ?, ? FROM subscribers WHERE id BETWEEN ? AND ? ORDER BY id
            """,
            [
                .int(list.rawValue), .text(kind.rawValue), SQLValue(at), .text(ConsentMethod.import.rawValue), .text(consent.source),
                SQLValue(consent.ipOrChannel), SQLValue(consent.textShown), .int(ids.lowerBound), .int(ids.upperBound),
            ])
    }

    // MARK: Consent

    static func insertConsent(subscriber: SubscriberID, list: ListID, evidence: ConsentEvidence) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO consent_records (subscriber_id, list_id, kind, at, method, source, ip_or_channel, text_shown)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
            """,
            [
                .int(subscriber.rawValue), .int(list.rawValue), .text(evidence.kind.rawValue), SQLValue(evidence.at),
                .text(evidence.method.rawValue), .text(evidence.source), SQLValue(evidence.ipOrChannel),
                SQLValue(evidence.textShown),
            ])
    }

    static func consentRecords(subscriber: SubscriberID) -> SQLStatement {
        SQLStatement("SELECT * FROM consent_records WHERE subscriber_id = ? ORDER BY id", [.int(subscriber.rawValue)])
    }

    // MARK: Suppression

    static func insertSuppression(_ suppression: Suppression) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO suppressions (address, reason, at, source, note) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (address) DO NOTHING RETURNING address
            """,
            [
                .text(suppression.address.value), .text(suppression.reason.rawValue), SQLValue(suppression.at),
                .text(suppression.source), SQLValue(suppression.note),
            ])
    }

    static func deleteSuppression(_ address: NormalizedAddress) -> SQLStatement {
        SQLStatement("DELETE FROM suppressions WHERE address = ? RETURNING *", [.text(address.value)])
    }

    static func suppressed(among addresses: [NormalizedAddress], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            "SELECT address FROM suppressions WHERE \(dialect.inTextArray("address"))",
            [.textArray(addresses.map(\.value))])
    }

    static func suppressions(after address: NormalizedAddress?, limit: Int) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM suppressions WHERE address > ? ORDER BY address LIMIT ?",
            [.text(address?.value ?? ""), .int(Int64(max(0, limit)))])
    }

    // MARK: Campaigns

    static func insertCampaign(_ content: CampaignContent, createdBy: String, now: Date) throws(StoreError) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO campaigns (name, list_id, segment, from_address, subject_template, text_template, html_template,
              attachments, dkim_key_ref, scheduled_at, kind, follow_up_of, state, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING *
            """, try contentValues(content) + [.text(createdBy), SQLValue(now), SQLValue(now)])
    }

    static func updateCampaignContent(_ id: CampaignID, _ content: CampaignContent, now: Date) throws(StoreError) -> SQLStatement {
        SQLStatement(
            """
            UPDATE campaigns SET name = ?, list_id = ?, segment = ?, from_address = ?, subject_template = ?,
              text_template = ?, html_template = ?, attachments = ?, dkim_key_ref = ?, scheduled_at = ?, kind = ?,
              follow_up_of = ?, updated_at = ?
            WHERE id = ? RETURNING *
            """, try contentValues(content) + [SQLValue(now), .int(id.rawValue)])
    }

    private static func contentValues(_ content: CampaignContent) throws(StoreError) -> [SQLValue] {
        [
            .text(content.name), .int(content.listID.rawValue),
            SQLValue(try content.segment.map { segment throws(StoreError) in try JSONText.encode(segment) }),
            .text(content.from), .text(content.subjectTemplate), .text(content.textTemplate), SQLValue(content.htmlTemplate),
            .text(try JSONText.encode(content.attachments)), SQLValue(content.dkimKeyRef), SQLValue(content.scheduledAt),
            .text(content.kind.rawValue), content.followUpOf.map { .int($0.rawValue) } ?? .null,
        ]
    }

    static func campaign(id: CampaignID, lock: String = "") -> SQLStatement {
        SQLStatement("SELECT * FROM campaigns WHERE id = ?\(lock)", [.int(id.rawValue)])
    }

    static let allCampaigns = SQLStatement("SELECT * FROM campaigns ORDER BY id DESC")

    /// Moves a campaign to `state`; a pause records its reason and the state it left, any other move
    /// clears them; `deadline` is the new state's timer (nil for none).
    static func setCampaignState(
        _ id: CampaignID, _ state: CampaignState, pause: (reason: String, from: CampaignState)?, deadline: Date?, now: Date
    ) -> SQLStatement {
        SQLStatement(
            """
            UPDATE campaigns SET state = ?, pause_reason = ?, paused_from = ?, state_deadline = ?, updated_at = ?
            WHERE id = ? RETURNING *
            """,
            [
                .text(state.rawValue), SQLValue(pause?.reason), SQLValue(pause?.from.rawValue), SQLValue(deadline), SQLValue(now),
                .int(id.rawValue),
            ])
    }

    // MARK: Ledger

    /// The campaign's audience rule (rule 6): its list's members (and segment), confirmed, with a consent
    /// record for the list, not suppressed. `select` is what to select from `memberships m JOIN
    /// subscribers s`; `eligibleOnly` adds the rule as conditions (else the caller classifies).
    ///
    /// `pagedByMember` writes the status test so that no index can serve it: a page of the audience in
    /// member order then walks the memberships' primary key `(list_id, subscriber_id)` from where the last
    /// page ended. (With a plain `m.status = 'confirmed'` SQLite preferred the `(list_id, status)` index
    /// and sorted the whole list for every page: a million-member preflight took minutes.)
    private static func audience(
        _ campaign: Campaign, select: String, binds: [SQLValue], eligibleOnly: Bool, pagedByMember: Bool = false, _ dialect: SQLDialect
    ) throws(StoreError) -> SQLStatement {
        var sql = """
            \(select)
            FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
            WHERE m.list_id = ?
            """
        var binds = binds + [.int(campaign.content.listID.rawValue)]
        if eligibleOnly {
            // The CASE hides the status test from SQLite's planner, which otherwise picks the (list_id,
            // status) index and sorts the whole list for each page. PostgreSQL gets the plain test (its
            // estimates are better for it), and its page's transaction rules out any plan but the key
            // walk (``audiencePageInMemberOrder``).
            let confirmed =
                pagedByMember && dialect == .sqlite ? "(CASE WHEN m.status = 'confirmed' THEN 1 ELSE 0 END) = 1" : "m.status = 'confirmed'"
            sql += "\n  AND \(confirmed) AND \(Self.hasConsent) AND NOT \(Self.isSuppressed)"
        }
        for (name, value) in (campaign.content.segment?.attributeEquals ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, !name.contains("\""), !name.contains("\\") else {
                throw .invalidSegment("attribute name \(name.debugDescription) must be non-empty without \" or \\")
            }
            sql += "\n  AND \(dialect.jsonStringAttribute("s.attributes")) = ?"
            binds += [dialect.jsonAttributeArgument(name), .text(value)]
        }
        return SQLStatement(sql, binds)
    }

    static let hasConsent =
        "EXISTS (SELECT 1 FROM consent_records c WHERE c.subscriber_id = s.id AND c.list_id = m.list_id AND c.kind = 'given')"
    static let isSuppressed = "EXISTS (SELECT 1 FROM suppressions x WHERE x.address = s.address)"

    static func enqueue(_ campaign: Campaign, now: Date, _ dialect: SQLDialect) throws(StoreError) -> SQLStatement {
        let statement = try audience(
            campaign, select: "SELECT ?, s.address, s.id, 'queued', 0, ?, \(dialect.verpTokenExpression)",
            binds: [.int(campaign.id.rawValue), SQLValue(now), .int(campaign.id.rawValue)], eligibleOnly: true, dialect)
        return SQLStatement(
            """
            INSERT INTO ledger (campaign_id, address, subscriber_id, state, attempts, updated_at, verp_token)
            \(statement.sql)
            ON CONFLICT (campaign_id, address) DO NOTHING
            """, statement.binds)
    }

    /// PostgreSQL, for the page's transaction: walk the memberships' primary key in order, look each
    /// member up by index, and stop at the page's end — the one plan that is right whatever the
    /// statistics say. Left to its estimates (a few rows, with statistics from before a large import or
    /// none for the status expression) it collected the whole rest of the list and sorted it for every
    /// page (3 s a page, 448 s for a million-member preflight); with only the sort and bitmap scans
    /// ruled out, statistics that changed in the middle of a preflight gave one page a 220 s plan.
    /// No materialising either: with an empty suppression list analysed, each page copied the whole
    /// list and compared every member against all of it, harmless until the list grows.
    static let audiencePageInMemberOrder = SQLStatement(
        """
        SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true),
          set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true),
          set_config('enable_mergejoin', 'off', true), set_config('enable_material', 'off', true),
          set_config('max_parallel_workers_per_gather', '0', true)
        """)

    /// One page of the campaign's eligible audience (the subscribers ``enqueue(_:now:_:)`` would queue), by key.
    static func audienceMembers(_ campaign: Campaign, after: Int64?, limit: Int, _ dialect: SQLDialect) throws(StoreError) -> SQLStatement {
        let statement = try audience(
            campaign, select: "SELECT s.*, m.subscriber_id AS audience_key", binds: [], eligibleOnly: true, pagedByMember: true, dialect)
        // PostgreSQL may walk either key in order (m.subscriber_id = s.id), and it does not carry an
        // inequality across a join: with the position on memberships only, a walk of subscribers' key
        // started from the first subscriber on every page (a million-member `campaign schedule` on
        // analysed tables ran for hours). The same position on both keys bounds either walk. SQLite
        // keeps one: with two it may drive by subscribers and then sort the rest of the list.
        let position: SQLValue = .int(after ?? 0)
        let (bound, binds) =
            dialect == .postgres
            ? ("m.subscriber_id > ? AND s.id > ?", [position, position]) : ("m.subscriber_id > ?", [position])
        return SQLStatement(
            statement.sql + "\n  AND \(bound) ORDER BY m.subscriber_id LIMIT ?", statement.binds + binds + [.int(Int64(max(0, limit)))])
    }

    /// How many members of the campaign's audience fall in each class (`eligible` or an exclusion).
    static func audienceClasses(_ campaign: Campaign, _ dialect: SQLDialect) throws(StoreError) -> SQLStatement {
        let select = """
            SELECT CASE
                WHEN m.status = 'unconfirmed' THEN 'unconfirmed'
                WHEN m.status = 'unsubscribed' THEN 'unsubscribed'
                WHEN \(isSuppressed) THEN 'suppressed'
                WHEN NOT \(hasConsent) THEN 'no-consent-record'
                ELSE 'eligible' END AS audience_class, count(*) AS n
            """
        let statement = try audience(campaign, select: select, binds: [], eligibleOnly: false, dialect)
        return SQLStatement(statement.sql + "\nGROUP BY 1", statement.binds)
    }

    /// Why a claimed entry must not be sent (the opt-out promise), or NULL: one rule for both claims.
    /// `suppression` is the address's suppression reason, `status` its membership status, `seed` the
    /// ledger's seed flag (seeds are not members).
    static func optOutReason(suppression: String, status: String, seed: String) -> String {
        """
        CASE
            WHEN \(suppression) IS NOT NULL THEN 'suppressed: ' || \(suppression)
            WHEN \(status) = 'unsubscribed' THEN 'list membership is unsubscribed'
            WHEN \(seed) = 1 THEN NULL
            WHEN \(status) IS NULL THEN 'no longer a member of the list'
            WHEN \(status) <> 'confirmed' THEN 'list membership is ' || \(status)
          END
        """
    }

    /// Claims the next due entries. Each candidate is checked against the opt-outs at this moment:
    /// one whose address is suppressed, or who is no longer a confirmed member of the campaign's list,
    /// becomes `suppressed` (with the reason as its reply text, its attempts unchanged) instead of
    /// `sending`. The caller hands only the `sending` rows to SMTP.
    ///
    /// `canaryOnly` (the campaign is `canary`) limits the candidates to the canary wave (read through
    /// the partial index `ledger_canary`). A seed entry needs no membership, but a suppression, or an
    /// unsubscribe from the campaign's list, still holds for it.
    static func claim(
        _ campaign: CampaignID, worker: String, limit: Int, queuedAfter: LedgerEntryID?, canaryOnly: Bool, now: Date,
        _ dialect: SQLDialect
    ) -> SQLStatement {
        let limit = Int64(max(0, limit))
        let after = queuedAfter?.rawValue ?? 0
        let wave = canaryOnly ? " AND wave = 'canary'" : ""
        // Why a candidate must not be sent, or NULL: checked when the entry comes due, not only when it
        // was queued (an unsubscribe between a deferral and its retry, or during a pause, must hold).
        let optOut = """
            SELECT c.id, \(Self.optOutReason(suppression: "x.reason", status: "m.status", seed: "l.seed")) AS opt_out
            FROM candidates c JOIN ledger l ON l.id = c.id
            LEFT JOIN suppressions x ON x.address = l.address
            LEFT JOIN memberships m ON m.subscriber_id = l.subscriber_id
              AND m.list_id = (SELECT list_id FROM campaigns WHERE id = ?)
            """
        let set = """
            UPDATE ledger SET state = CASE WHEN chosen.opt_out IS NULL THEN 'sending' ELSE 'suppressed' END,
              attempts = ledger.attempts + CASE WHEN chosen.opt_out IS NULL THEN 1 ELSE 0 END,
              claimed_by = CASE WHEN chosen.opt_out IS NULL THEN ? ELSE ledger.claimed_by END,
              next_attempt_at = CASE WHEN chosen.opt_out IS NULL THEN ledger.next_attempt_at ELSE NULL END,
              last_reply_code = CASE WHEN chosen.opt_out IS NULL THEN ledger.last_reply_code ELSE 0 END,
              last_reply_text = COALESCE(chosen.opt_out, ledger.last_reply_text), updated_at = ?
            FROM chosen WHERE ledger.id = chosen.id
            """
        switch dialect {
        case .sqlite:
            // Two index range scans (queued, then due deferred) instead of one OR: with the OR, SQLite
            // read every entry of the campaign and sorted them on each claim — quadratic over a send.
            // (One writer at a time on SQLite, so no row locking is needed.) Nothing is claimed unless
            // the campaign is sending: checked here too, so a claim needs no separate read.
            return SQLStatement(
                """
                WITH candidates AS (
                  SELECT id FROM (SELECT id FROM ledger WHERE campaign_id = ? AND state = 'queued'\(wave) AND id > ? ORDER BY id LIMIT ?)
                  UNION ALL
                  SELECT id FROM (SELECT id FROM ledger WHERE campaign_id = ? AND state = 'deferred'\(wave) AND next_attempt_at <= ?
                                  ORDER BY id LIMIT ?)
                  ORDER BY id LIMIT ?),
                chosen AS (\(optOut)
                  WHERE EXISTS (SELECT 1 FROM campaigns WHERE id = ? AND state IN ('sending', 'canary')))
                \(set)
                RETURNING *
                """,
                [
                    .int(campaign.rawValue), .int(after), .int(limit), .int(campaign.rawValue), SQLValue(now), .int(limit),
                    .int(limit), .int(campaign.rawValue), .int(campaign.rawValue), .text(worker), SQLValue(now),
                ])
        case .postgres:
            // The same two range scans, each locking what it picks with SKIP LOCKED, in CTEs (FOR UPDATE
            // is not allowed on a UNION itself). One scan with an OR made PostgreSQL walk the primary key
            // past every entry already sent: 64 ms per claim at 90 % of 100,000 (quadratic over a send).
            // Entries a branch locked but the final LIMIT left out stay queued and are claimed later.
            // Every lookup is by key, in a form the planner cannot turn into a hash join over a whole
            // table: the scans return the columns the opt-out check needs (joining the candidates back
            // to the ledger let it hash every campaign's entries on each claim: 25-60 ms at 40,000
            // entries, growing with the table, and more for the larger limits of grouped claims), the
            // opt-outs are subqueries by primary key, and the UPDATE finds its rows by `id = ANY`.
            let columns = "id, address, subscriber_id, seed"
            let keyedOptOut = """
                SELECT l.id, \(Self.optOutReason(suppression: "l.reason", status: "l.status", seed: "l.seed")) AS opt_out
                FROM (SELECT c.id, c.seed, (SELECT x.reason FROM suppressions x WHERE x.address = c.address) AS reason,
                        (SELECT m.status FROM memberships m WHERE m.subscriber_id = c.subscriber_id
                           AND m.list_id = (SELECT list_id FROM campaigns WHERE id = ?)) AS status
                      FROM candidates c OFFSET 0) l
                """
            return SQLStatement(
                """
                WITH queued AS (SELECT \(columns) FROM ledger WHERE campaign_id = ? AND state = 'queued'\(wave) AND id > ?
                                ORDER BY id LIMIT ?\(dialect.claimLock)),
                     due AS (SELECT \(columns) FROM ledger WHERE campaign_id = ? AND state = 'deferred'\(wave) AND next_attempt_at <= ?
                             ORDER BY id LIMIT ?\(dialect.claimLock)),
                     candidates AS (SELECT \(columns) FROM (SELECT \(columns) FROM queued UNION ALL SELECT \(columns) FROM due) c
                                    ORDER BY id LIMIT ?),
                     chosen AS (\(keyedOptOut))
                \(set) AND ledger.id = ANY(ARRAY(SELECT id FROM chosen))
                RETURNING ledger.*
                """,
                [
                    .int(campaign.rawValue), .int(after), .int(limit), .int(campaign.rawValue), SQLValue(now), .int(limit),
                    .int(limit), .int(campaign.rawValue), .text(worker), SQLValue(now),
                ])
        }
    }

    /// The stored columns of one outcome: state, next attempt, reply code, reply text.
    static func outcomeColumns(_ result: LedgerOutcome.Result) -> (LedgerState, Date?, SMTPReplyRecord?) {
        switch result {
        case .sent(let reply): (.sent, nil, reply)
        case .deferred(let until, let reply): (.deferred, until, reply)
        case .failed(let reply): (.failed, nil, reply)
        case .uncertain(let reply): (.uncertain, nil, reply)
        }
    }

    /// All outcomes in one UPDATE … FROM over the batch's records; returns the keys of the entries it changed.
    static func complete(_ outcomes: [LedgerOutcome], now: Date, _ dialect: SQLDialect) throws(StoreError) -> SQLStatement {
        var records = BatchRecords(
            columns: [
                ("id", .bigint), ("attempt", .bigint), ("state", .text), ("next_at", .bigint),
                ("code", .bigint), ("reply", .text),
            ], dialect: dialect)
        for outcome in outcomes {
            let (state, next, reply) = outcomeColumns(outcome.result)
            try records.append([
                .int(outcome.entryID.rawValue), .int(Int64(outcome.attempt)), .text(state.rawValue),
                SQLValue(next), SQLValue(reply?.code), SQLValue(reply?.text),
            ])
        }
        return SQLStatement(
            """
            UPDATE ledger SET state = v.state, next_attempt_at = v.next_at, last_reply_code = v.code,
              last_reply_text = v.reply, updated_at = ?
            FROM \(records.source)
            WHERE ledger.id = v.id AND ledger.attempts = v.attempt AND ledger.state IN ('sending', 'uncertain')
            RETURNING \(dialect == .sqlite ? "id" : "ledger.id")
            """, [SQLValue(now)] + records.binds)
    }

    /// PostgreSQL: ``complete(_:now:_:)`` and ``logOutcomes(_:now:_:)`` in one statement (the records
    /// parsed once, the changed rows logged as they are changed, one round trip); returns the keys of
    /// the entries it changed. A `sent` or `failed` outcome is logged, with `rejection` 1 for a
    /// rejected failure.
    static func completeAndLog(_ outcomes: [LedgerOutcome], now: Date) throws(StoreError) -> SQLStatement {
        var records = BatchRecords(
            columns: [
                ("id", .bigint), ("attempt", .bigint), ("state", .text), ("next_at", .bigint),
                ("code", .bigint), ("reply", .text), ("rejection", .bigint),
            ], dialect: .postgres)
        for outcome in outcomes {
            let (state, next, reply) = outcomeColumns(outcome.result)
            try records.append([
                .int(outcome.entryID.rawValue), .int(Int64(outcome.attempt)), .text(state.rawValue),
                SQLValue(next), SQLValue(reply?.code), SQLValue(reply?.text), .int(outcome.rejected ? 1 : 0),
            ])
        }
        return SQLStatement(
            """
            WITH done AS (
              UPDATE ledger SET state = v.state, next_attempt_at = v.next_at, last_reply_code = v.code,
                last_reply_text = v.reply, updated_at = ?
              FROM \(records.source)
              WHERE ledger.id = v.id AND ledger.attempts = v.attempt AND ledger.state IN ('sending', 'uncertain')
              RETURNING ledger.id, ledger.campaign_id, ledger.state, v.rejection),
            logged AS (
              INSERT INTO campaign_outcomes (campaign_id, ledger_id, at, rejection)
              SELECT campaign_id, id, ?, CASE WHEN state = 'failed' THEN rejection ELSE 0 END FROM done
              WHERE state IN ('sent', 'failed'))
            SELECT id FROM done
            """, [SQLValue(now)] + records.binds + [SQLValue(now)])
    }

    static func recoverInterrupted(campaign: CampaignID?, worker: String?, now: Date) -> SQLStatement {
        var sql = """
            UPDATE ledger SET state = 'uncertain', updated_at = ?,
              last_reply_text = COALESCE(last_reply_text, 'interrupted while sending')
            WHERE state = 'sending'
            """
        var binds: [SQLValue] = [SQLValue(now)]
        if let campaign {
            sql += " AND campaign_id = ?"
            binds.append(.int(campaign.rawValue))
        }
        if let worker {
            sql += " AND claimed_by = ?"
            binds.append(.text(worker))
        }
        return SQLStatement(sql, binds)
    }

    static func requeueFailed(campaign: CampaignID, replyCode: Int?, now: Date) -> SQLStatement {
        var sql = """
            UPDATE ledger SET state = 'queued', attempts = 0, next_attempt_at = NULL, claimed_by = NULL, updated_at = ?
            WHERE campaign_id = ? AND state = 'failed'
            """
        var binds: [SQLValue] = [SQLValue(now), .int(campaign.rawValue)]
        if let replyCode {
            sql += " AND last_reply_code = ?"
            binds.append(.int(Int64(replyCode)))
        }
        return SQLStatement(sql, binds)
    }

    static func requeueUncertain(campaign: CampaignID, now: Date) -> SQLStatement {
        SQLStatement(
            "UPDATE ledger SET state = 'queued', updated_at = ? WHERE campaign_id = ? AND state = 'uncertain'",
            [SQLValue(now), .int(campaign.rawValue)])
    }

    static func ledgerCounts(campaign: CampaignID, updatedSince: Date?) -> SQLStatement {
        SQLStatement(
            "SELECT state, count(*) AS n FROM ledger WHERE campaign_id = ? AND updated_at >= ? GROUP BY state",
            [.int(campaign.rawValue), .int(updatedSince.map(SQLTime.milliseconds) ?? Int64.min)])
    }

    static func ledgerPage(_ query: LedgerQuery, _ dialect: SQLDialect) -> SQLStatement {
        var sql = "SELECT * FROM ledger WHERE campaign_id = ? AND id > ?"
        var binds: [SQLValue] = [.int(query.campaignID.rawValue), .int(query.afterID?.rawValue ?? 0)]
        if let states = query.states {
            sql += " AND \(dialect.inTextArray("state"))"
            binds.append(.textArray(states.map(\.rawValue).sorted()))
        }
        sql += " ORDER BY id LIMIT ?"
        binds.append(.int(Int64(max(0, query.limit))))
        return SQLStatement(sql, binds)
    }

    static func ledgerEntry(verpToken: String) -> SQLStatement {
        SQLStatement("SELECT * FROM ledger WHERE verp_token = ?", [.text(verpToken)])
    }

    // MARK: Audit

    static func insertAudit(_ event: NewAuditEvent, now: Date) throws(StoreError) -> SQLStatement {
        let kind = if case .system = event.actor { "system" } else { "human" }
        return SQLStatement(
            """
            INSERT INTO audit_log (at, actor_kind, actor_name, action, subject_kind, subject_id, details, os_user, authenticated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
            """,
            [
                SQLValue(now), .text(kind), .text(event.actor.displayName), .text(event.action),
                .text(event.subjectKind), .text(event.subjectID), .text(try JSONText.encode(event.details)),
                SQLValue(event.actor.osUser), .int(event.actor.authenticatedUser == nil ? 0 : 1),
            ])
    }

    static func auditEvents(_ query: AuditQuery) -> SQLStatement {
        var sql = "SELECT * FROM audit_log WHERE id > ?"
        var binds: [SQLValue] = [.int(query.afterID ?? 0)]
        if let kind = query.subjectKind {
            sql += " AND subject_kind = ?"
            binds.append(.text(kind))
        }
        if let id = query.subjectID {
            sql += " AND subject_id = ?"
            binds.append(.text(id))
        }
        if let action = query.action {
            sql += " AND action = ?"
            binds.append(.text(action))
        }
        sql += " ORDER BY id LIMIT ?"
        binds.append(.int(Int64(max(0, query.limit))))
        return SQLStatement(sql, binds)
    }
}
