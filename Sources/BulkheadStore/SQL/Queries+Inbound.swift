import Foundation

extension Queries {
    /// Sets an entry's bounce unless it already holds a hard one (a hard bounce is never downgraded).
    static func setBounce(_ bounce: InboundBounce, entry: Int64) -> SQLStatement {
        SQLStatement(
            """
            UPDATE ledger SET bounce_kind = ?, bounce_status = ?, bounce_diagnostic = ?, bounced_at = ?
            WHERE id = ? AND (bounce_kind IS NULL OR bounce_kind <> 'hard' OR ? = 'hard')
            """,
            [
                .text(bounce.kind.rawValue), .text(bounce.status), SQLValue(bounce.diagnostic), SQLValue(bounce.at), .int(entry),
                .text(bounce.kind.rawValue),
            ])
    }

    /// Logs a bounce of an address once per entry and kind (a report delivered twice counts once).
    static func logBounce(_ bounce: InboundBounce, address: String, entry: Int64) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO bounce_events (address, ledger_id, kind, status, at)
            SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM bounce_events WHERE ledger_id = ? AND kind = ?)
            """,
            [
                .text(address), .int(entry), .text(bounce.kind.rawValue), .text(bounce.status), SQLValue(bounce.at), .int(entry),
                .text(bounce.kind.rawValue),
            ])
    }

    /// How many different messages to `address` bounced softly (or expired) since `since`.
    static func softBounces(address: String, since: Date) -> SQLStatement {
        SQLStatement(
            """
            SELECT count(DISTINCT ledger_id) AS n FROM bounce_events
            WHERE address = ? AND kind IN ('soft', 'expired') AND at > ?
            """, [.text(address), SQLValue(since)])
    }

    /// Counts of a campaign's sent entries by bounce kind (entries without a bounce left out).
    static func bounceCounts(campaign: CampaignID) -> SQLStatement {
        SQLStatement(
            "SELECT bounce_kind, count(*) AS n FROM ledger WHERE campaign_id = ? AND state = 'sent' AND bounce_kind IS NOT NULL GROUP BY bounce_kind",
            [.int(campaign.rawValue)])
    }
}
