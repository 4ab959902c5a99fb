import BulkheadMail
import Foundation

/// What ``SQLMailStore/upgradeStoredAddresses()`` changed.
public struct AddressKeyUpgrade: Sendable, Hashable {
    /// Subscribers whose key was rewritten in canonical form.
    public var rekeyed = 0
    /// Subscribers that were another spelling of an existing one, merged into it.
    public var merged = 0
    /// Suppressions rewritten (or dropped as a duplicate of another spelling's).
    public var suppressions = 0
    /// Ledger entries of a merged spelling that were still due, while the other spelling had its own
    /// entry in the same campaign: `suppressed`, so that nobody gets two copies.
    public var duplicateEntries = 0
    /// Stored addresses left as they were because no mailbox could be read from them.
    public var unreadable = 0

    /// Nothing changed.
    public init() {}
}

extension SQLMailStore {
    static let addressKeyUpgrade = "address-keys-2"
    static let addressKeyUpgradeLock: Int64 = 0x6164_6472

    /// Rewrites the address keys written by version 1 into the canonical form of ``NormalizedAddress``
    /// (quoted local parts, A-label domains, NFC), once per store, in one transaction. Version 1 stored
    /// `local@domain` with the local part *unquoted*, so each stored key is read back by splitting at
    /// its last `@` (never by parsing it, which would turn `victim(x)@…`'s literal parentheses into a
    /// comment). Two spellings of one mailbox become one subscriber: memberships keep the more
    /// restrictive status (unsubscribed over unconfirmed over confirmed), consent records move, and a
    /// due ledger entry of the merged spelling is `suppressed` when the other spelling has an entry in
    /// the same campaign. Suppressions are rewritten too, so an opt-out of either spelling holds.
    ///
    /// A key that is canonical already is left alone, so keys written by this version before the upgrade
    /// ran are safe; the engine and the CLI run it whenever they open a store.
    ///
    /// ```swift
    /// let upgrade = try await store.upgradeStoredAddresses()
    /// print(upgrade.rekeyed, upgrade.merged)
    /// ```
    @discardableResult
    public func upgradeStoredAddresses() async throws -> AddressKeyUpgrade {
        let done = SQLStatement("SELECT name FROM store_upgrades WHERE name = ?", [.text(Self.addressKeyUpgrade)])
        if try await backend.one(done) != nil { return AddressKeyUpgrade() }
        let now = clock.date
        let dialect = backend.dialect
        return try await backend.transaction { tx in
            // Another process may be doing it at the same time: one at a time (SQLite's write lock is
            // taken by the transaction itself), and the marker is written in the same transaction.
            if dialect == .postgres {
                _ = try tx.rows(
                    SQLStatement(
                        "SELECT pg_advisory_xact_lock(?::int, hashtext(current_schema()))",
                        [.int(Self.addressKeyUpgradeLock)]))
            }
            guard try tx.one(done) == nil else { return AddressKeyUpgrade() }
            var upgrade = AddressKeyUpgrade()
            try Self.upgradeSuppressions(tx, &upgrade)
            try Self.upgradeSubscribers(tx, now: now, &upgrade)
            _ = try tx.changes(
                SQLStatement(
                    "INSERT INTO store_upgrades (name, done_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                    [.text(Self.addressKeyUpgrade), SQLValue(now)]))
            if upgrade != AddressKeyUpgrade() {
                let event = NewAuditEvent(
                    actor: .system, action: "store.upgrade-address-keys", subjectKind: "store", subjectID: "*",
                    details: [
                        "rekeyed": .number(Double(upgrade.rekeyed)), "merged": .number(Double(upgrade.merged)),
                        "suppressions": .number(Double(upgrade.suppressions)),
                        "duplicate_entries": .number(Double(upgrade.duplicateEntries)),
                        "unreadable": .number(Double(upgrade.unreadable)),
                    ])
                _ = try tx.rows(try Queries.insertAudit(event, now: now))
            }
            return upgrade
        }
    }

    /// The canonical key of a stored key, or nil when no mailbox can be read from it. A key that is
    /// canonical already (written by this version) stays as it is; any other is read as version 1
    /// wrote it: `local@domain` with the local part unquoted.
    static func canonicalKey(version1 stored: String) -> NormalizedAddress? {
        if let current = try? NormalizedAddress(stored), current.value == stored { return current }
        guard let at = stored.lastIndex(of: "@") else { return nil }
        let mailbox = Mailbox(localPart: String(stored[..<at]), domain: String(stored[stored.index(after: at)...]))
        return try? NormalizedAddress(mailbox)
    }

    private static func upgradeSuppressions(_ tx: any SQLTransaction, _ upgrade: inout AddressKeyUpgrade) throws {
        var after = ""
        while true {
            let rows = try tx.rows(
                SQLStatement(
                    "SELECT address FROM suppressions WHERE address > ? ORDER BY address LIMIT 1000",
                    [.text(after)]))
            guard let last = rows.last else { return }
            after = try last.text("address")
            for row in rows {
                let stored = try row.text("address")
                guard let canonical = canonicalKey(version1: stored) else {
                    upgrade.unreadable += 1
                    continue
                }
                guard canonical.value != stored else { continue }
                if try tx.one(SQLStatement("SELECT address FROM suppressions WHERE address = ?", [.text(canonical.value)])) != nil {
                    _ = try tx.changes(SQLStatement("DELETE FROM suppressions WHERE address = ?", [.text(stored)]))
                } else {
                    _ = try tx.changes(
                        SQLStatement(
                            "UPDATE suppressions SET address = ? WHERE address = ?",
                            [.text(canonical.value), .text(stored)]))
                }
                upgrade.suppressions += 1
            }
        }
    }

    private static func upgradeSubscribers(_ tx: any SQLTransaction, now: Date, _ upgrade: inout AddressKeyUpgrade) throws {
        var after: Int64 = 0
        while true {
            let rows = try tx.rows(
                SQLStatement(
                    "SELECT id, address FROM subscribers WHERE id > ? ORDER BY id LIMIT 1000",
                    [.int(after)]))
            guard let last = rows.last else { return }
            after = try last.int("id")
            for row in rows {
                let id = try row.int("id")
                let stored = try row.text("address")
                guard let canonical = canonicalKey(version1: stored) else {
                    upgrade.unreadable += 1
                    continue
                }
                guard canonical.value != stored else { continue }
                if let other = try tx.one(SQLStatement("SELECT id FROM subscribers WHERE address = ?", [.text(canonical.value)])) {
                    try merge(tx, id, into: try other.int("id"), canonical: canonical, now: now, &upgrade)
                    upgrade.merged += 1
                } else {
                    _ = try tx.changes(SQLStatement("UPDATE subscribers SET address = ? WHERE id = ?", [.text(canonical.value), .int(id)]))
                    _ = try tx.changes(
                        SQLStatement(
                            "UPDATE ledger SET address = ? WHERE subscriber_id = ?",
                            [.text(canonical.value), .int(id)]))
                    upgrade.rekeyed += 1
                }
            }
        }
    }

    /// Folds subscriber `old` into `kept` (another spelling of the same mailbox) and deletes `old`.
    private static func merge(
        _ tx: any SQLTransaction, _ old: Int64, into kept: Int64, canonical: NormalizedAddress, now: Date,
        _ upgrade: inout AddressKeyUpgrade
    ) throws {
        // Memberships: the more restrictive status wins, so nobody is mailed who opted out in either spelling.
        for row in try tx.rows(SQLStatement("SELECT list_id, status FROM memberships WHERE subscriber_id = ?", [.int(old)])) {
            let list = try row.int("list_id")
            let status = try row.text("status")
            if let existing = try tx.one(
                SQLStatement(
                    "SELECT status FROM memberships WHERE list_id = ? AND subscriber_id = ?",
                    [.int(list), .int(kept)]))
            {
                let rank = ["confirmed": 0, "unconfirmed": 1, "unsubscribed": 2]
                if (rank[status] ?? 2) > (rank[try existing.text("status")] ?? 2) {
                    _ = try tx.changes(
                        SQLStatement(
                            "UPDATE memberships SET status = ?, updated_at = ? WHERE list_id = ? AND subscriber_id = ?",
                            [.text(status), SQLValue(now), .int(list), .int(kept)]))
                }
                _ = try tx.changes(SQLStatement("DELETE FROM memberships WHERE list_id = ? AND subscriber_id = ?", [.int(list), .int(old)]))
            } else {
                _ = try tx.changes(
                    SQLStatement(
                        "UPDATE memberships SET subscriber_id = ? WHERE list_id = ? AND subscriber_id = ?",
                        [.int(kept), .int(list), .int(old)]))
            }
        }
        _ = try tx.changes(SQLStatement("UPDATE consent_records SET subscriber_id = ? WHERE subscriber_id = ?", [.int(kept), .int(old)]))
        // Ledger: an entry in a campaign the kept spelling has no entry in moves over. Where both have
        // one, the person gets at most one message: a due entry of the kept spelling is suppressed when
        // the old one's message went out (or may have), otherwise a due entry of the old spelling is.
        upgrade.duplicateEntries += try tx.changes(
            SQLStatement(
                """
                UPDATE ledger SET state = 'suppressed', last_reply_code = 0, next_attempt_at = NULL,
                  last_reply_text = 'duplicate of another spelling of the same address'
                WHERE subscriber_id = ? AND state IN ('queued', 'deferred')
                  AND EXISTS (SELECT 1 FROM ledger o WHERE o.campaign_id = ledger.campaign_id AND o.subscriber_id = ?
                              AND o.state IN ('sending', 'sent', 'uncertain'))
                """, [.int(kept), .int(old)]))
        upgrade.duplicateEntries += try tx.changes(
            SQLStatement(
                """
                UPDATE ledger SET state = 'suppressed', last_reply_code = 0, next_attempt_at = NULL,
                  last_reply_text = 'duplicate of another spelling of the same address'
                WHERE subscriber_id = ? AND state IN ('queued', 'deferred')
                  AND EXISTS (SELECT 1 FROM ledger k WHERE k.campaign_id = ledger.campaign_id AND k.subscriber_id = ?)
                """, [.int(old), .int(kept)]))
        _ = try tx.changes(
            SQLStatement(
                """
                UPDATE ledger SET address = ? WHERE subscriber_id = ?
                  AND NOT EXISTS (SELECT 1 FROM ledger k WHERE k.campaign_id = ledger.campaign_id AND k.subscriber_id = ?)
                """, [.text(canonical.value), .int(old), .int(kept)]))
        _ = try tx.changes(SQLStatement("UPDATE ledger SET subscriber_id = ? WHERE subscriber_id = ?", [.int(kept), .int(old)]))
        _ = try tx.changes(SQLStatement("DELETE FROM subscribers WHERE id = ?", [.int(old)]))
    }
}
