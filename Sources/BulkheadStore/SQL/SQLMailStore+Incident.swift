import Foundation

/// What an incident report and its follow-up need: aggregates computed by the database, so memory
/// stays bounded however many recipients a campaign had.
extension SQLMailStore {
    /// Whom a follow-up of `incident` could still reach (see ``MailStore/followUpAudience(incident:)``).
    public func followUpAudience(incident: CampaignID) async throws -> FollowUpAudience {
        guard let original = try await campaign(id: incident) else { throw StoreError.notFound(.campaign(incident)) }
        let row = try await backend.one(Queries.followUpAudience(original))
        return FollowUpAudience(
            reached: Int(try row?.int("reached") ?? 0), optedOutSince: Int(try row?.optionalInt("opted_out") ?? 0),
            alreadyFollowedUp: Int(try row?.optionalInt("followed") ?? 0))
    }

    /// The campaign's outcomes per minute (see ``MailStore/ledgerTimeline(campaign:)``).
    public func ledgerTimeline(campaign: CampaignID) async throws -> LedgerTimeline {
        var minutes: [LedgerMinute] = []
        var first: Int64?
        var last: Int64?
        for row in try await backend.read(Queries.ledgerTimeline(campaign: campaign)) {
            let minute = SQLTime.date(try row.int("minute") * 60_000)
            if minutes.last?.minute != minute { minutes.append(LedgerMinute(minute: minute)) }
            let count = Int(try row.int("n"))
            switch try row.enumValue(LedgerState.self, "state") {
            case .sent:
                minutes[minutes.count - 1].delivered = count
                first = min(first ?? .max, try row.int("first_at"))
                last = max(last ?? .min, try row.int("last_at"))
            case .uncertain: minutes[minutes.count - 1].uncertain = count
            default: minutes[minutes.count - 1].failed = count
            }
        }
        return LedgerTimeline(minutes: minutes, firstDelivery: first.map(SQLTime.date), lastDelivery: last.map(SQLTime.date))
    }

    /// The list's members without a ledger entry for the campaign (see ``MailStore/excludedMembers(campaign:)``).
    public func excludedMembers(campaign id: CampaignID) async throws -> ExcludedMembers {
        guard let campaign = try await campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        var byStatus: [MembershipStatus: Int] = [:]
        var suppressed = 0
        for row in try await backend.read(Queries.excludedMembers(campaign)) {
            let status = try row.enumValue(MembershipStatus.self, "status")
            byStatus[status] = Int(try row.int("n"))
            if status == .confirmed { suppressed = Int(try row.optionalInt("suppressed") ?? 0) }
        }
        return ExcludedMembers(byStatus: byStatus, suppressedConfirmed: suppressed)
    }
}

extension Queries {
    /// Whether the entry `o` (of the original) names somebody another follow-up of the same incident
    /// reached, may have reached, or still means to reach: its entry there is `sent`, `uncertain` or
    /// `sending`, or `queued`/`deferred` in a follow-up that was not called off. Binds: the incident,
    /// then the follow-up to leave out (0: none).
    static let inEarlierFollowUp = """
        EXISTS (SELECT 1 FROM ledger f JOIN campaigns c ON c.id = f.campaign_id
          WHERE c.follow_up_of = ? AND c.id <> ? AND f.address = o.address
            AND (f.state IN ('sent', 'uncertain', 'sending')
                 OR (f.state IN ('queued', 'deferred') AND c.state NOT IN ('cancelled', 'aborted'))))
        """

    /// Whether the entry `o` names somebody who opted out since: suppressed, or no longer a confirmed
    /// member of the list bound to the one `?`.
    static let optedOutSince = """
        (EXISTS (SELECT 1 FROM suppressions x WHERE x.address = o.address)
          OR NOT EXISTS (SELECT 1 FROM memberships m WHERE m.list_id = ? AND m.subscriber_id = o.subscriber_id
                         AND m.status = 'confirmed'))
        """

    /// Queues follow-up `followUp` of `incident` from the incident's ledger (one INSERT … SELECT).
    static func enqueueFollowUp(_ followUp: Campaign, of incident: CampaignID, now: Date, _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO ledger (campaign_id, address, subscriber_id, state, attempts, updated_at, verp_token)
            SELECT ?, o.address, s.id, 'queued', 0, ?, \(dialect.verpTokenExpression)
            FROM ledger o JOIN subscribers s ON s.id = o.subscriber_id
            WHERE o.campaign_id = ? AND o.state IN ('sent', 'uncertain', 'sending')
              AND NOT \(optedOutSince)
              AND NOT \(inEarlierFollowUp)
            ORDER BY o.id
            ON CONFLICT (campaign_id, address) DO NOTHING
            """,
            [
                .int(followUp.id.rawValue), SQLValue(now), .int(followUp.id.rawValue), .int(incident.rawValue),
                .int(followUp.content.listID.rawValue), .int(incident.rawValue), .int(followUp.id.rawValue),
            ])
    }

    /// One page of whom ``enqueueFollowUp(_:of:now:_:)`` would queue, in the order of the incident's
    /// ledger (its key is `audience_key`). The state and campaign tests are written so that no index
    /// serves them: a page then walks the ledger's primary key from where the last one ended, instead
    /// of sorting the incident's whole ledger for every page.
    static func followUpMembers(_ followUp: Campaign, of incident: CampaignID, after: Int64?, limit: Int) -> SQLStatement {
        SQLStatement(
            """
            SELECT s.*, o.id AS audience_key
            FROM ledger o JOIN subscribers s ON s.id = o.subscriber_id
            WHERE o.campaign_id + 0 = ? AND (o.state || '') IN ('sent', 'uncertain', 'sending')
              AND NOT \(optedOutSince)
              AND NOT \(inEarlierFollowUp)
              AND o.id > ?
            ORDER BY o.id LIMIT ?
            """,
            [
                .int(incident.rawValue), .int(followUp.content.listID.rawValue), .int(incident.rawValue), .int(followUp.id.rawValue),
                .int(after ?? 0), .int(Int64(max(0, limit))),
            ])
    }

    static func followUpAudience(_ original: Campaign) -> SQLStatement {
        SQLStatement(
            """
            SELECT count(*) AS reached,
              sum(CASE WHEN t.opted_out = 1 THEN 1 ELSE 0 END) AS opted_out,
              sum(CASE WHEN t.opted_out = 0 AND t.followed = 1 THEN 1 ELSE 0 END) AS followed
            FROM (SELECT CASE WHEN \(optedOutSince) THEN 1 ELSE 0 END AS opted_out,
                    CASE WHEN \(inEarlierFollowUp) THEN 1 ELSE 0 END AS followed
                  FROM ledger o WHERE o.campaign_id = ? AND o.state IN ('sent', 'uncertain', 'sending')) t
            """,
            [.int(original.content.listID.rawValue), .int(original.id.rawValue), .int(0), .int(original.id.rawValue)])
    }

    static func ledgerTimeline(campaign: CampaignID) -> SQLStatement {
        SQLStatement(
            """
            SELECT updated_at / 60000 AS minute, state, count(*) AS n, min(updated_at) AS first_at, max(updated_at) AS last_at
            FROM ledger WHERE campaign_id = ? AND state IN ('sent', 'uncertain', 'failed')
            GROUP BY updated_at / 60000, state ORDER BY minute, state
            """, [.int(campaign.rawValue)])
    }

    static func excludedMembers(_ campaign: Campaign) -> SQLStatement {
        SQLStatement(
            """
            SELECT m.status, count(*) AS n,
              sum(CASE WHEN EXISTS (SELECT 1 FROM suppressions x WHERE x.address = s.address) THEN 1 ELSE 0 END) AS suppressed
            FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
            WHERE m.list_id = ? AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.campaign_id = ? AND l.address = s.address)
            GROUP BY m.status
            """, [.int(campaign.content.listID.rawValue), .int(campaign.id.rawValue)])
    }
}
