import BulkheadPolicy
import Foundation

/// The SQL of staged sending: seed addresses, waves, and the outcome log the brakes judge.
extension Queries {
    // MARK: Seeds

    static func insertSeed(list: ListID, subscriber: SubscriberID, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO list_seeds (list_id, subscriber_id, added_at) VALUES (?, ?, ?)
            ON CONFLICT (list_id, subscriber_id) DO NOTHING RETURNING subscriber_id
            """, [.int(list.rawValue), .int(subscriber.rawValue), SQLValue(now)])
    }

    static func deleteSeed(list: ListID, address: NormalizedAddress) -> SQLStatement {
        SQLStatement(
            """
            DELETE FROM list_seeds WHERE list_id = ?
              AND subscriber_id = (SELECT id FROM subscribers WHERE address = ?) RETURNING subscriber_id
            """, [.int(list.rawValue), .text(address.value)])
    }

    static func seeds(list: ListID) -> SQLStatement {
        SQLStatement(
            """
            SELECT s.address FROM list_seeds k JOIN subscribers s ON s.id = k.subscriber_id
            WHERE k.list_id = ? ORDER BY s.address
            """, [.int(list.rawValue)])
    }

    static func seedCount(list: ListID) -> SQLStatement {
        SQLStatement("SELECT count(*) AS n FROM list_seeds WHERE list_id = ?", [.int(list.rawValue)])
    }

    // MARK: Waves

    /// The entries waiting for their first attempt (the audience a canary is a share of).
    static func queuedCount(_ campaign: CampaignID) -> SQLStatement {
        SQLStatement("SELECT count(*) AS n FROM ledger WHERE campaign_id = ? AND state = 'queued'", [.int(campaign.rawValue)])
    }

    /// Queues the list's seed addresses (unless suppressed, or unsubscribed from the list: a seed needs no
    /// membership, but one who left the list has opted out) in `wave`, marked as seeds; a seed who is
    /// also a queued recipient keeps its entry, now marked and in `wave`.
    static func enqueueSeeds(_ campaign: Campaign, wave: LedgerWave, now: Date, _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO ledger (campaign_id, address, subscriber_id, state, attempts, updated_at, verp_token, wave, seed)
            SELECT ?, s.address, s.id, 'queued', 0, ?, \(dialect.verpTokenExpression), ?, 1
            FROM list_seeds k JOIN subscribers s ON s.id = k.subscriber_id
            WHERE k.list_id = ? AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.address = s.address)
              AND NOT EXISTS (
                SELECT 1 FROM memberships m WHERE m.subscriber_id = s.id AND m.list_id = k.list_id AND m.status = 'unsubscribed')
            ON CONFLICT (campaign_id, address) DO UPDATE SET seed = 1, wave = excluded.wave
              WHERE ledger.state = 'queued'
            """,
            [
                .int(campaign.id.rawValue), SQLValue(now), .int(campaign.id.rawValue), .text(wave.rawValue),
                .int(campaign.content.listID.rawValue),
            ])
    }

    /// Moves a random sample of `size` queued entries of the rest into the canary wave.
    static func pickCanary(_ campaign: CampaignID, size: Int) -> SQLStatement {
        SQLStatement(
            """
            UPDATE ledger SET wave = 'canary' WHERE id IN (
              SELECT id FROM ledger WHERE campaign_id = ? AND state = 'queued' AND wave = 'rest' AND seed = 0
              ORDER BY random() LIMIT ?)
            """, [.int(campaign.rawValue), .int(Int64(max(0, size)))])
    }

    static func ledgerCounts(campaign: CampaignID, wave: LedgerWave) -> SQLStatement {
        SQLStatement(
            "SELECT state, count(*) AS n FROM ledger WHERE campaign_id = ? AND wave = ? GROUP BY state",
            [.int(campaign.rawValue), .text(wave.rawValue)])
    }

    // MARK: Outcome log

    /// The outcome log's column for a brake metric.
    static func column(_ metric: BrakeMetric) -> String {
        switch metric {
        case .hardBounce: "hard_bounce"
        case .complaint: "complaint"
        case .unsubscribe: "unsubscribe"
        case .rejection: "rejection"
        }
    }

    /// One log row per record (columns `id`, the ledger entry, and `rejection`, 0 or 1).
    static func logOutcomes(_ records: BatchRecords, now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO campaign_outcomes (campaign_id, ledger_id, at, rejection)
            SELECT l.campaign_id, l.id, ?, v.rejection FROM \(records.source) JOIN ledger l ON l.id = v.id WHERE true
            """, [SQLValue(now)] + records.binds)
    }

    /// The events of the campaign's most recent `size` outcomes since its brakes last restarted.
    static func brakeWindow(_ campaign: CampaignID, size: Int) -> SQLStatement {
        let sums = BrakeMetric.allCases.map { "CAST(COALESCE(SUM(\(column($0))), 0) AS BIGINT) AS \(column($0))" }
        return SQLStatement(
            """
            SELECT count(*) AS n, \(sums.joined(separator: ", ")) FROM (
              SELECT rejection, hard_bounce, complaint, unsubscribe FROM campaign_outcomes
              WHERE campaign_id = ? AND id > (SELECT brakes_after FROM campaigns WHERE id = ?)
              ORDER BY id DESC LIMIT ?) w
            """, [.int(campaign.rawValue), .int(campaign.rawValue), .int(Int64(max(0, size)))])
    }

    /// The brakes of a campaign going on after a brake pause count only outcomes from now on.
    static func restartBrakeWindow(_ campaign: CampaignID) -> SQLStatement {
        SQLStatement(
            """
            UPDATE campaigns SET brakes_after = (SELECT COALESCE(MAX(id), 0) FROM campaign_outcomes WHERE campaign_id = ?)
            WHERE id = ?
            """, [.int(campaign.rawValue), .int(campaign.rawValue)])
    }

    /// The ledger entry of one subscriber of one campaign (through the unique campaign-address key).
    static func ledgerEntryID(campaign: CampaignID, subscriber: SubscriberID) -> SQLStatement {
        SQLStatement(
            "SELECT l.id FROM ledger l JOIN subscribers s ON s.id = ? AND l.address = s.address WHERE l.campaign_id = ?",
            [.int(subscriber.rawValue), .int(campaign.rawValue)])
    }

    /// Sets `metric` on the entry's latest logged outcome.
    static func markOutcome(_ metric: BrakeMetric, entry: Int64) -> SQLStatement {
        SQLStatement(
            """
            UPDATE campaign_outcomes SET \(column(metric)) = 1
            WHERE id = (SELECT MAX(id) FROM campaign_outcomes WHERE ledger_id = ?)
            """, [.int(entry)])
    }

    /// Logs an event of an entry that has no logged outcome (sent before the log existed) as a new outcome.
    static func logEvent(_ metric: BrakeMetric, campaign: CampaignID, entry: Int64, now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO campaign_outcomes (campaign_id, ledger_id, at, \(column(metric))) VALUES (?, ?, ?, 1)",
            [.int(campaign.rawValue), .int(entry), SQLValue(now)])
    }
}
