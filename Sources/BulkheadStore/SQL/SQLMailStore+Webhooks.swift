import Foundation

/// Event webhooks (cursors over the audit log and the delivery log) and the queue depth for `/metrics`.
extension SQLMailStore {
    public func webhookCursor(url: String) async throws -> Int64 {
        let now = clock.date
        return try await backend.transaction { tx in
            _ = try tx.changes(Queries.startWebhookCursor(url: url, now: now))
            return try Self.required(try tx.one(Queries.webhookCursor(url: url))).int("last_audit_id")
        }
    }

    public func holdWebhook(url: String, holder: String, seconds: Int) async throws -> Bool {
        let now = clock.date
        let until = now.addingTimeInterval(TimeInterval(max(1, seconds)))
        return try await backend.transaction { tx in
            _ = try tx.changes(Queries.startWebhookCursor(url: url, now: now))
            return try tx.changes(Queries.holdWebhook(url: url, holder: holder, until: until, now: now)) == 1
        }
    }

    public func recordWebhookAttempt(_ attempt: NewWebhookAttempt, advancingCursor: Bool) async throws {
        let now = clock.date
        let dialect = dialect
        try await backend.transaction { tx in
            _ = try tx.changes(Queries.insertWebhookAttempt(attempt, now: now))
            if advancingCursor {
                _ = try tx.changes(Queries.advanceWebhookCursor(url: attempt.url, to: attempt.auditID, now: now, dialect))
            }
        }
    }

    public func advanceWebhookCursor(url: String, to auditID: Int64) async throws {
        let now = clock.date
        let dialect = dialect
        try await backend.transaction { tx in
            _ = try tx.changes(Queries.advanceWebhookCursor(url: url, to: auditID, now: now, dialect))
        }
    }

    public func webhookAttempts(limit: Int) async throws -> [WebhookAttempt] {
        try await backend.read(Queries.webhookAttempts(limit: limit)).map { row throws(StoreError) in try WebhookAttempt(row: row) }
    }

    public func queueDepth() async throws -> QueueDepth {
        let row = try Self.required(try await backend.one(Queries.queueDepth))
        return QueueDepth(campaignQueued: Int(try row.int("campaign")), relayQueued: Int(try row.int("relay")), relayHeld: Int(try row.int("held")))
    }
}

extension WebhookAttempt {
    init(row: SQLRow) throws(StoreError) {
        guard let status = WebhookAttemptStatus(rawValue: try row.text("status")) else {
            throw .invalidData("unknown webhook attempt status \(try row.text("status"))")
        }
        let attempt = NewWebhookAttempt(
            delivery: try row.text("delivery"), url: try row.text("url"), event: try row.text("event"), auditID: try row.int("audit_id"),
            attempt: Int(try row.int("attempt")), statusCode: try row.optionalInt("status_code").map(Int.init), error: try row.optionalText("error"),
            status: status)
        self.init(id: try row.int("id"), at: try row.date("at"), attempt: attempt)
    }
}
