import BulkheadPolicy
public import Foundation

/// Auto-responders: when each was enabled, the replies they filed (as relay messages), the senders
/// they answered and the global breaker.
extension SQLMailStore {
    /// Records enabled responders (see ``MailStore/enableAutoResponders(_:)``).
    public func enableAutoResponders(_ addresses: [String]) async throws -> [String: Date] {
        let now = clock.date
        return try await backend.transaction { tx in
            var enabled: [String: Date] = [:]
            for address in addresses {
                guard !address.isEmpty else { throw StoreError.invalidAddress(address, reason: "empty responder address") }
                _ = try tx.changes(Queries.enableAutoResponder(address, now: now))
                enabled[address] = try Self.required(try tx.one(Queries.autoResponder(address))).date("enabled_at")
            }
            return enabled
        }
    }

    /// Files a message for a responder and decides its reply (see ``MailStore/receiveAutoResponderMail(_:limits:)``).
    public func receiveAutoResponderMail(_ mail: NewAutoResponderMail, limits: AutoReplyLimits) async throws -> AutoResponderReceipt {
        let now = clock.date
        let dialect = dialect
        let sender = NewAutoResponderMail.senderKey(mail.sender)
        return try await backend.transaction { tx in
            if let lock = Queries.lockAutoReplies(dialect) { _ = try tx.rows(lock) }
            guard let responder = try tx.one(Queries.autoResponder(mail.responder)) else {
                throw StoreError.refused("\(mail.responder) is not an enabled auto-responder")
            }
            let enabledAt = try responder.date("enabled_at")
            let outcome: AutoReplyOutcome
            if case .skip(let reason) = mail.answer {
                outcome = .skipped(reason)
            } else if let messageID = mail.messageID, try tx.one(Queries.autoReplySeen(mail.responder, messageID: messageID)) != nil {
                outcome = .alreadySeen
            } else if let written = mail.writtenAt, written < enabledAt.addingTimeInterval(-limits.backlogGrace.seconds) {
                outcome = .backlog
            } else if try tx.one(Queries.isLatched(Latch.autoReplyBreaker)) != nil {
                outcome = .paused
            } else if let last = try tx.one(Queries.lastAutoReply(mail.responder, sender: sender)),
                try last.date("last_replied_at") > now.addingTimeInterval(-limits.oncePerSender.seconds)
            {
                outcome = .oncePerSender
            } else if limits.breakerReplies > 0,
                try Self.required(try tx.one(Queries.autoRepliesSince(now.addingTimeInterval(-limits.breakerWindow.seconds)))).int("n")
                    >= Int64(limits.breakerReplies)
            {
                _ = try tx.changes(
                    Queries.setLatch(
                        Latch.autoReplyBreaker, now: now, setBy: "system",
                        reason: "more than \(limits.breakerReplies) auto-replies within \(Int(limits.breakerWindow.seconds)) seconds"))
                outcome = .breakerTripped
            } else {
                outcome = .replied
            }
            var reply: RelayReceipt?
            if outcome == .replied, case .reply(let message) = mail.answer {
                reply = try Self.fileResponderMessage(message, responder: mail.responder, tx, now: now)
            }
            let forward = try mail.forward.map { try Self.fileResponderMessage($0, responder: mail.responder, tx, now: now) }
            _ = try tx.changes(Queries.seeAutoReplySender(mail.responder, sender: sender, repliedAt: reply == nil ? nil : now, now: now))
            _ = try tx.changes(
                Queries.insertAutoReplyLog(
                    mail.responder, sender: sender, messageID: mail.messageID, outcome: outcome.code, reply: reply?.id, forward: forward?.id, now: now
                ))
            return AutoResponderReceipt(outcome: outcome, reply: reply, forward: forward)
        }
    }

    /// Files a responder's reply or forward as a relay message: `queued`, or `held` while the stop latch is set.
    private static func fileResponderMessage(_ message: NewRelayMessage, responder: String, _ tx: any SQLTransaction, now: Date) throws
        -> RelayReceipt
    {
        guard !message.recipients.isEmpty, !message.recipients.contains(where: \.isEmpty) else {
            throw StoreError.invalidData("a responder's message needs its recipient")
        }
        let id = RelayMessageID(rawValue: try Self.required(try tx.one(try Queries.insertRelayMessage(message, now: now))).int("id"))
        _ = try tx.changes(Queries.insertRelayRecipients(message.recipients.map { ($0, AddressKey(envelope: $0)) }, message: id, now: now))
        _ = try tx.changes(Queries.markResponderMessage(id, responder: responder))
        let holdReason: RelayHoldReason? =
            if message.disposition == .hold {
                .findings
            } else if try isStopped(tx) {
                .stopped
            } else {
                nil
            }
        _ = try tx.changes(Queries.fileRelayMessage(id, state: holdReason == nil ? .queued : .held, holdReason: holdReason, relayAfter: nil))
        return RelayReceipt(id: id, state: holdReason == nil ? .queued : .held, holdReason: holdReason, breakerTripped: false)
    }

    /// Records imported messages (see ``MailStore/importAutoResponderMail(responder:_:)``).
    @discardableResult
    public func importAutoResponderMail(responder: String, _ messages: [ImportedAutoResponderMail]) async throws -> Int {
        let now = clock.date
        return try await backend.transaction { tx in
            guard try tx.one(Queries.autoResponder(responder)) != nil else {
                throw StoreError.refused("\(responder) is not an enabled auto-responder")
            }
            for message in messages {
                let sender = NewAutoResponderMail.senderKey(message.sender)
                _ = try tx.changes(Queries.seeAutoReplySender(responder, sender: sender, repliedAt: nil, now: now))
                _ = try tx.changes(
                    Queries.insertAutoReplyLog(
                        responder, sender: sender, messageID: message.messageID, outcome: AutoReplyOutcome.imported.code, reply: nil,
                        forward: nil, now: now))
            }
            return messages.count
        }
    }

    /// Every responder with its outcomes counted.
    public func autoResponders() async throws -> [AutoResponderSummary] {
        var summaries: [AutoResponderSummary] = []
        for row in try await backend.read(Queries.autoResponderOutcomes) {
            let address = try row.text("address")
            if summaries.last?.address != address {
                summaries.append(
                    AutoResponderSummary(
                        address: address, enabledAt: try row.date("enabled_at"), outcomes: [:], senders: Int(try row.int("senders"))))
            }
            if let outcome = try row.optionalText("outcome") {
                summaries[summaries.count - 1].outcomes[outcome] = Int(try row.int("n"))
            }
        }
        return summaries
    }
}
