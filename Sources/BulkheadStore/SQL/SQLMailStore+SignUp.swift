public import Foundation

extension SQLMailStore {
    /// Sets a list's public sign-up (see ``MailStore/setListSignUp(_:_:actor:)``).
    public func setListSignUp(_ list: ListID, _ signUp: ListSignUp, actor: AuditActor) async throws {
        let now = clock.date
        try await backend.transaction { tx in
            guard try tx.changes(Queries.setListSignUp(list, signUp)) == 1 else { throw StoreError.notFound(.list(list)) }
            let event = NewAuditEvent(
                actor: actor, action: "list.sign-up", subjectKind: "list", subjectID: "\(list.rawValue)",
                details: ["sign_up": .string(signUp.rawValue)])
            _ = try tx.rows(try Queries.insertAudit(event, now: now))
        }
    }

    /// Whether a list takes public sign-ups (see ``MailStore/listSignUp(_:)``).
    public func listSignUp(_ list: ListID) async throws -> ListSignUp {
        guard let row = try await backend.one(Queries.listSignUp(list)) else { throw StoreError.notFound(.list(list)) }
        return try row.enumValue(ListSignUp.self, "sign_up")
    }

    /// Files a public sign-up (see ``MailStore/requestSignUp(_:limits:)``).
    public func requestSignUp(_ request: SignUpRequest, limits: SignUpLimits) async throws -> SignUpReceipt {
        let now = clock.date
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.listSignUp(request.list)),
                try row.enumValue(ListSignUp.self, "sign_up") == .doubleOptIn
            else { return .closed }
            // Kept as long as the longest interval reads them.
            let kept = max(86_400, limits.perAddressInterval, limits.afterUnsubscribeInterval)
            _ = try tx.changes(Queries.pruneSignUpMails(before: now.addingTimeInterval(-TimeInterval(kept))))
            let hourAgo = now.addingTimeInterval(-3_600)
            let byClient = try Self.required(try tx.one(Queries.signUpMailsByClient(request.client, since: hourAgo)))
            if try byClient.int("n") >= Int64(limits.perClientPerHour) { return .throttled(.client) }
            if try tx.one(Queries.suppression(address: request.address)) != nil { return .suppressed }
            let existing = try tx.one(Queries.subscriber(address: request.address)).map { row throws(StoreError) in try Subscriber(row: row) }
            var membership: Membership?
            if let existing {
                membership = try tx.one(Queries.membership(list: request.list, subscriber: existing.id)).map { row throws(StoreError) in
                    try Membership(row: row)
                }
                if membership?.status == .confirmed { return .alreadyConfirmed }
                let interval = membership?.status == .unsubscribed ? limits.afterUnsubscribeInterval : limits.perAddressInterval
                let since = now.addingTimeInterval(-TimeInterval(interval))
                if try tx.one(Queries.signUpMailToAddress(request.list, existing.id, since: since)) != nil { return .throttled(.address) }
            }
            let byList = try Self.required(try tx.one(Queries.signUpMailsByList(request.list, since: hourAgo)))
            if try byList.int("n") >= Int64(limits.perListPerHour) { return .throttled(.list) }
            let subscriber =
                try existing
                ?? Subscriber(
                    row: try Self.required(
                        try tx.one(try Queries.insertSubscriber(address: request.address, name: request.name, attributes: [:], now: now))))
            if membership == nil {
                _ = try tx.rows(
                    Queries.upsertMembership(list: request.list, subscriber: subscriber.id, status: .unconfirmed, importID: nil, now: now))
            }
            _ = try tx.rows(Queries.insertSignUpMail(request.list, subscriber.id, client: request.client, at: now))
            return .sendConfirmation(subscriber.id)
        }
    }

    /// Confirms a public sign-up (see ``MailStore/confirmSignUp(list:subscriber:issuedAt:evidence:)``).
    public func confirmSignUp(list: ListID, subscriber: SubscriberID, issuedAt: Date, evidence: ConsentEvidence) async throws
        -> SignUpConfirmation
    {
        let now = clock.date
        return try await backend.transaction { tx in
            guard let row = try tx.one(Queries.listSignUp(list)), try row.enumValue(ListSignUp.self, "sign_up") == .doubleOptIn else {
                return .closed
            }
            guard let person = try tx.one(Queries.subscriber(id: subscriber)).map({ row throws(StoreError) in try Subscriber(row: row) }) else {
                return .stale
            }
            let suppressed = try tx.one(Queries.suppression(address: person.address)) != nil
            let membership = try tx.one(Queries.membership(list: list, subscriber: subscriber)).map { row throws(StoreError) in
                try Membership(row: row)
            }
            if membership?.status == .confirmed { return .alreadyConfirmed(suppressed: suppressed) }
            // Whole seconds, as the link carries them: a change in a later second is one after the link.
            if let membership, membership.updatedAt.timeIntervalSince1970.rounded(.down) > issuedAt.timeIntervalSince1970.rounded(.down) {
                return .stale
            }
            _ = try tx.rows(Queries.upsertMembership(list: list, subscriber: subscriber, status: .confirmed, importID: nil, now: now))
            _ = try tx.rows(Queries.insertConsent(subscriber: subscriber, list: list, evidence: evidence))
            return .confirmed(suppressed: suppressed)
        }
    }

    /// Unsubscribes from chosen lists (see ``MailStore/leaveLists(subscriber:lists:evidence:)``).
    public func leaveLists(subscriber: SubscriberID, lists: Set<ListID>?, evidence: ConsentEvidence) async throws -> [ListID] {
        let now = clock.date
        return try await backend.transaction { tx in
            var left: [ListID] = []
            for row in try tx.rows(Queries.memberships(subscriber: subscriber)) {
                let membership = try Membership(row: row)
                guard membership.status != .unsubscribed, lists?.contains(membership.listID) ?? true else { continue }
                _ = try tx.rows(
                    Queries.upsertMembership(list: membership.listID, subscriber: subscriber, status: .unsubscribed, importID: nil, now: now))
                _ = try tx.rows(Queries.insertConsent(subscriber: subscriber, list: membership.listID, evidence: evidence))
                left.append(membership.listID)
            }
            return left
        }
    }
}

extension Queries {
    static func setListSignUp(_ list: ListID, _ signUp: ListSignUp) -> SQLStatement {
        SQLStatement("UPDATE lists SET sign_up = ? WHERE id = ?", [.text(signUp.rawValue), .int(list.rawValue)])
    }

    static func listSignUp(_ list: ListID) -> SQLStatement {
        SQLStatement("SELECT sign_up FROM lists WHERE id = ?", [.int(list.rawValue)])
    }

    static func pruneSignUpMails(before: Date) -> SQLStatement {
        SQLStatement("DELETE FROM sign_up_mails WHERE at < ?", [SQLValue(before)])
    }

    static func signUpMailsByClient(_ client: String, since: Date) -> SQLStatement {
        SQLStatement("SELECT count(*) AS n FROM sign_up_mails WHERE client = ? AND at > ?", [.text(client), SQLValue(since)])
    }

    static func signUpMailsByList(_ list: ListID, since: Date) -> SQLStatement {
        SQLStatement("SELECT count(*) AS n FROM sign_up_mails WHERE list_id = ? AND at > ?", [.int(list.rawValue), SQLValue(since)])
    }

    static func signUpMailToAddress(_ list: ListID, _ subscriber: SubscriberID, since: Date) -> SQLStatement {
        SQLStatement(
            "SELECT id FROM sign_up_mails WHERE list_id = ? AND subscriber_id = ? AND at > ? LIMIT 1",
            [.int(list.rawValue), .int(subscriber.rawValue), SQLValue(since)])
    }

    static func insertSignUpMail(_ list: ListID, _ subscriber: SubscriberID, client: String, at: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO sign_up_mails (list_id, subscriber_id, client, at) VALUES (?, ?, ?, ?)",
            [.int(list.rawValue), .int(subscriber.rawValue), .text(client), SQLValue(at)])
    }
}
