import BulkheadPolicy
import Foundation

extension Queries {
    // MARK: Relayed messages

    /// A relayed message's columns without its octets.
    private static let relayMessageColumns = """
        id, received_at, sender_kind, sender_name, mail_from, client_address, subject, size, state, hold_reason, findings,
          relay_after, copy_form, decided_by, decided_at, sender_notified, list_id
        """

    /// Files a received message as `queued` (its state is decided once its sender's window is counted,
    /// in the same transaction); returns its `id`.
    static func insertRelayMessage(_ message: NewRelayMessage, now: Date) throws(StoreError) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO relay_messages (received_at, sender_kind, sender_name, mail_from, client_address, subject, size, bytes,
              state, findings, copy_form)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, 'original') RETURNING id
            """,
            [
                SQLValue(now), .text(message.sender.kind.rawValue), .text(message.sender.name), .text(message.mailFrom),
                SQLValue(message.clientAddress), .text(message.subject), .int(Int64(message.bytes.count)), .bytes(message.bytes),
                .text(try JSONText.encode(message.findings)),
            ])
    }

    /// Adds recipients to a message, `queued` and due at `now`, in the order given (one VALUES row each).
    static func insertRelayRecipients(_ recipients: [(address: String, key: AddressKey)], message: RelayMessageID, now: Date) -> SQLStatement {
        let rows = Array(repeating: "(?, ?, ?, 'queued', 0, ?, ?)", count: recipients.count).joined(separator: ", ")
        return SQLStatement(
            "INSERT INTO relay_recipients (message_id, address, address_key, state, attempts, next_attempt_at, updated_at) VALUES \(rows)",
            recipients.flatMap { recipient -> [SQLValue] in
                [.int(message.rawValue), .text(recipient.address), .text(recipient.key.text), SQLValue(now), SQLValue(now)]
            })
    }

    /// Sets a filed message's state, hold reason and end of undo window.
    static func fileRelayMessage(_ id: RelayMessageID, state: RelayMessageState, holdReason: RelayHoldReason?, relayAfter: Date?) -> SQLStatement {
        SQLStatement(
            "UPDATE relay_messages SET state = ?, hold_reason = ?, relay_after = ? WHERE id = ?",
            [.text(state.rawValue), SQLValue(holdReason?.rawValue), SQLValue(relayAfter), .int(id.rawValue)])
    }

    static func relayMessage(_ id: RelayMessageID, lock: String = "") -> SQLStatement {
        SQLStatement("SELECT \(relayMessageColumns) FROM relay_messages WHERE id = ?\(lock)", [.int(id.rawValue)])
    }

    static func relayMessageBytes(_ id: RelayMessageID) -> SQLStatement {
        SQLStatement("SELECT bytes FROM relay_messages WHERE id = ?", [.int(id.rawValue)])
    }

    /// Messages in `states` (all when nil) below `before`, newest first.
    static func relayMessages(states: Set<RelayMessageState>?, before: RelayMessageID?, limit: Int, _ dialect: SQLDialect) -> SQLStatement {
        var sql = "SELECT \(relayMessageColumns) FROM relay_messages WHERE id < ?"
        var binds: [SQLValue] = [.int(before?.rawValue ?? Int64.max)]
        if let states {
            sql += " AND \(dialect.inTextArray("state"))"
            binds.append(.textArray(states.map(\.rawValue).sorted()))
        }
        sql += " ORDER BY id DESC LIMIT ?"
        binds.append(.int(Int64(max(0, limit))))
        return SQLStatement(sql, binds)
    }

    /// The recipients of these messages, each message's in the order submitted.
    static func relayRecipients(of messages: [RelayMessageID], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM relay_recipients WHERE \(dialect.inIntArray("message_id")) ORDER BY message_id, id",
            [.intArray(messages.map(\.rawValue))])
    }

    /// Records a person's decision: the new state, and for a release the copy form; the hold reason is
    /// kept (why it was held), except that a recall sets `recalled`.
    static func decideRelayMessage(
        _ id: RelayMessageID, state: RelayMessageState, holdReason: RelayHoldReason?, copyForm: RelayCopyForm, decidedBy: String, now: Date
    ) -> SQLStatement {
        SQLStatement(
            """
            UPDATE relay_messages SET state = ?, hold_reason = COALESCE(?, hold_reason), copy_form = ?, decided_by = ?, decided_at = ?
            WHERE id = ?
            """,
            [.text(state.rawValue), SQLValue(holdReason?.rawValue), .text(copyForm.rawValue), .text(decidedBy), SQLValue(now), .int(id.rawValue)])
    }

    /// Makes a released message's queued recipients due at `now`.
    static func relayRecipientsDue(message: RelayMessageID, now: Date) -> SQLStatement {
        SQLStatement(
            "UPDATE relay_recipients SET next_attempt_at = ?, updated_at = ? WHERE message_id = ? AND state = 'queued'",
            [SQLValue(now), SQLValue(now), .int(message.rawValue)])
    }

    /// Discards a message's recipients not yet delivered.
    static func discardRelayRecipients(message: RelayMessageID, now: Date) -> SQLStatement {
        SQLStatement(
            "UPDATE relay_recipients SET state = 'discarded', next_attempt_at = NULL, updated_at = ? WHERE message_id = ? AND state = 'queued'",
            [SQLValue(now), .int(message.rawValue)])
    }

    static func markRelaySenderNotified(_ id: RelayMessageID) -> SQLStatement {
        SQLStatement("UPDATE relay_messages SET sender_notified = 1 WHERE id = ? AND sender_notified = 0", [.int(id.rawValue)])
    }

    // MARK: Breakers

    /// Serialises the transactions that count or change one sender's window (PostgreSQL; SQLite has one
    /// writer): two messages of one sender filed at once would each miss the other in their count.
    static func lockRelaySender(_ sender: RelaySender, _ dialect: SQLDialect) -> SQLStatement? {
        guard dialect == .postgres else { return nil }
        return SQLStatement(
            "SELECT pg_advisory_xact_lock(?::int, hashtext(?))", [.int(relaySenderLockKey), .text(sender.kind.rawValue + " " + sender.name)])
    }

    /// The advisory-lock class of ``lockRelaySender(_:_:)`` ("rely").
    private static let relaySenderLockKey: Int64 = 0x7265_6C79

    /// The sender's volume within the window (messages received after `since` and after the last
    /// message before the sender's last breaker close) and its distinct recipient keys. List posts
    /// and responders' messages have limits of their own and do not count.
    static func relaySenderVolume(_ sender: RelaySender, since: Date) -> SQLStatement {
        SQLStatement(
            """
            WITH counts_after AS (
              SELECT COALESCE(max(counts_after), 0) AS id FROM relay_breakers
              WHERE sender_kind = ? AND sender_name = ? AND closed_at IS NOT NULL),
            sender_window AS (
              SELECT id FROM relay_messages
              WHERE sender_kind = ? AND sender_name = ? AND received_at > ? AND id > (SELECT id FROM counts_after)
                AND list_id IS NULL AND responder IS NULL)
            SELECT (SELECT count(*) FROM sender_window) AS messages,
              (SELECT count(DISTINCT address_key) FROM relay_recipients WHERE message_id IN (SELECT id FROM sender_window)) AS recipients
            """,
            [.text(sender.kind.rawValue), .text(sender.name), .text(sender.kind.rawValue), .text(sender.name), SQLValue(since)])
    }

    static func openRelayBreaker(_ sender: RelaySender) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM relay_breakers WHERE sender_kind = ? AND sender_name = ? AND closed_at IS NULL",
            [.text(sender.kind.rawValue), .text(sender.name)])
    }

    static func insertRelayBreaker(_ sender: RelaySender, trippedBy: RelayMessageID, now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO relay_breakers (sender_kind, sender_name, opened_at, tripped_by) VALUES (?, ?, ?, ?)",
            [.text(sender.kind.rawValue), .text(sender.name), SQLValue(now), .int(trippedBy.rawValue)])
    }

    /// Closes the sender's open breaker, noting the last message filed so far: the sender's window
    /// counts only messages after it.
    static func closeRelayBreaker(_ sender: RelaySender, closedBy: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE relay_breakers SET closed_at = ?, closed_by = ?, counts_after = (SELECT COALESCE(max(id), 0) FROM relay_messages)
            WHERE sender_kind = ? AND sender_name = ? AND closed_at IS NULL
            RETURNING *
            """, [SQLValue(now), .text(closedBy), .text(sender.kind.rawValue), .text(sender.name)])
    }

    /// The open breakers, oldest first, each with the count of its sender's messages held for it.
    static let openRelayBreakers = SQLStatement(
        """
        SELECT b.sender_kind, b.sender_name, b.opened_at, b.tripped_by,
          (SELECT count(*) FROM relay_messages m WHERE m.sender_kind = b.sender_kind AND m.sender_name = b.sender_name
             AND m.id >= b.tripped_by AND m.hold_reason IN ('breaker-tripped', 'breaker-open')) AS held
        FROM relay_breakers b WHERE b.closed_at IS NULL ORDER BY b.opened_at, b.id
        """)

    // MARK: Relay delivery

    /// Moves `waiting` messages whose undo window ended to `queued`, or to `held` (`stopped`) while the
    /// emergency stop is latched.
    static func endRelayUndoWindows(stopped: Bool, now: Date) -> SQLStatement {
        SQLStatement(
            "UPDATE relay_messages SET state = ?, hold_reason = ? WHERE state = 'waiting' AND relay_after <= ?",
            [
                .text(stopped ? RelayMessageState.held.rawValue : RelayMessageState.queued.rawValue),
                stopped ? .text(RelayHoldReason.stopped.rawValue) : .null, SQLValue(now),
            ])
    }

    /// Up to `limit` due recipients of queued messages, oldest message first, locked for this claim
    /// (PostgreSQL: rows another claim holds are skipped).
    static func relayClaimCandidates(limit: Int, now: Date, _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            """
            SELECT r.id, r.message_id, r.address, r.attempts, r.subscriber_id, m.mail_from, m.copy_form, m.list_id
            FROM relay_messages m JOIN relay_recipients r ON r.message_id = m.id
            WHERE m.state = 'queued' AND r.state = 'queued' AND r.next_attempt_at <= ?
            ORDER BY m.id, r.id LIMIT ?\(dialect.claimLock(of: "r"))
            """, [SQLValue(now), .int(Int64(max(0, limit)))])
    }

    /// The suppressions of these addresses, with their reasons.
    static func suppressionReasons(among addresses: [NormalizedAddress], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            "SELECT address, reason FROM suppressions WHERE \(dialect.inTextArray("address"))", [.textArray(addresses.map(\.value))])
    }

    /// Marks a candidate `suppressed`, with why as its reply text (attempts unchanged).
    static func suppressRelayRecipient(_ id: Int64, reason: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE relay_recipients SET state = 'suppressed', next_attempt_at = NULL, last_reply_code = 0, last_reply_text = ?,
              updated_at = ?
            WHERE id = ?
            """, [.text(reason), SQLValue(now), .int(id)])
    }

    /// A claimed recipient kept back at the last look: `suppressed`, its claim's attempt given back
    /// (only while it is still `sending` in that attempt).
    static func withdrawRelayRecipient(_ delivery: RelayDelivery, reason: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE relay_recipients SET state = 'suppressed', attempts = attempts - 1, claimed_by = NULL, next_attempt_at = NULL,
              last_reply_code = 0, last_reply_text = ?, updated_at = ?
            WHERE id = ? AND state = 'sending' AND attempts = ?
            """, [.text(reason), SQLValue(now), .int(delivery.id), .int(Int64(delivery.attempt))])
    }

    /// Marks candidates `sending` for `worker`, one more attempt each.
    static func sendRelayRecipients(_ ids: [Int64], worker: String, now: Date, _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            """
            UPDATE relay_recipients SET state = 'sending', attempts = attempts + 1, claimed_by = ?, updated_at = ?
            WHERE \(dialect.inIntArray("id"))
            """, [.text(worker), SQLValue(now), .intArray(ids)])
    }

    /// Records one outcome of a claimed recipient (left alone unless it is still `sending` in that
    /// attempt); returns its message's `message_id` when it applied.
    static func completeRelayRecipient(_ outcome: RelayDeliveryOutcome, now: Date) -> SQLStatement {
        let (state, next, refund, reply): (RelayRecipientState, Date?, Int64, SMTPReplyRecord) =
            switch outcome.result {
            case .sent(let reply): (.sent, nil, 0, reply)
            case .deferred(let reply, let retryAt): (.queued, retryAt, 0, reply)
            case .postponed(let reply, let retryAt): (.queued, retryAt, 1, reply)
            case .failed(let reply): (.failed, nil, 0, reply)
            case .uncertain(let reply): (.uncertain, nil, 0, reply)
            }
        return SQLStatement(
            """
            UPDATE relay_recipients SET state = ?, next_attempt_at = ?, attempts = attempts - ?, last_reply_code = ?,
              last_reply_text = ?, updated_at = ?
            WHERE id = ? AND state = 'sending' AND attempts = ?
            RETURNING message_id
            """,
            [
                .text(state.rawValue), SQLValue(next), .int(refund), .int(Int64(reply.code)), .text(reply.text), SQLValue(now),
                .int(outcome.delivery.id), .int(Int64(outcome.delivery.attempt)),
            ])
    }

    /// After a crash: `worker`'s `sending` recipients become `uncertain`, with why as their reply (a
    /// reply from an earlier attempt would explain nothing); returns their `message_id`s.
    static func recoverRelayRecipients(worker: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE relay_recipients SET state = 'uncertain', updated_at = ?, last_reply_code = 0,
              last_reply_text = 'interrupted while sending'
            WHERE state = 'sending' AND claimed_by = ?
            RETURNING message_id
            """, [SQLValue(now), .text(worker)])
    }

    /// Locks these messages' rows, in key order.
    static func lockRelayMessages(_ ids: [RelayMessageID], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            "SELECT id FROM relay_messages WHERE \(dialect.inIntArray("id")) ORDER BY id\(dialect.forUpdate)", [.intArray(ids.map(\.rawValue))])
    }

    /// The recipient states that are not final, as an SQL list.
    private static let unfinished = Schema.sqlList(RelayRecipientState.allCases.filter { !$0.isFinal }.map(\.rawValue))

    /// Marks these queued messages `done` when every recipient reached a final state.
    static func finishRelayMessages(_ ids: [RelayMessageID], _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            """
            UPDATE relay_messages SET state = 'done'
            WHERE state = 'queued' AND \(dialect.inIntArray("id"))
              AND NOT EXISTS (SELECT 1 FROM relay_recipients r WHERE r.message_id = relay_messages.id AND r.state IN \(unfinished))
            """, [.intArray(ids.map(\.rawValue))])
    }
}
