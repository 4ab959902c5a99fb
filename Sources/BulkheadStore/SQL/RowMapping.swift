import BulkheadPolicy
import Foundation

extension MailingList {
    init(row: SQLRow) throws(StoreError) {
        let name = try row.text("name")
        // Lists created before version 2 have no stored label: theirs is still the one made from the name.
        self.init(
            id: ListID(rawValue: try row.int("id")), name: name,
            description: try row.text("description"), createdAt: try row.date("created_at"),
            listIDLabel: try row.optionalText("list_id_label") ?? MailingList.listIDLabel(forName: name))
    }
}

extension Subscriber {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            id: SubscriberID(rawValue: try row.int("id")),
            address: NormalizedAddress(storedValue: try row.text("address")),
            name: try row.optionalText("name"),
            attributes: try row.jsonObject("attributes"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}

extension Membership {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            listID: ListID(rawValue: try row.int("list_id")),
            subscriberID: SubscriberID(rawValue: try row.int("subscriber_id")),
            status: try row.enumValue(MembershipStatus.self, "status"),
            lastImportID: try row.optionalText("last_import_id"), updatedAt: try row.date("updated_at"))
    }
}

extension ConsentRecord {
    init(row: SQLRow) throws(StoreError) {
        let evidence = ConsentEvidence(
            kind: try row.enumValue(ConsentKind.self, "kind"), at: try row.date("at"),
            method: ConsentMethod(rawValue: try row.text("method")), source: try row.text("source"),
            ipOrChannel: try row.optionalText("ip_or_channel"), textShown: try row.optionalText("text_shown"))
        self.init(
            id: try row.int("id"), subscriberID: SubscriberID(rawValue: try row.int("subscriber_id")),
            listID: ListID(rawValue: try row.int("list_id")), evidence: evidence)
    }
}

extension Suppression {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            address: NormalizedAddress(storedValue: try row.text("address")),
            reason: try row.enumValue(SuppressionReason.self, "reason"), at: try row.date("at"),
            source: try row.text("source"), note: try row.optionalText("note"))
    }
}

extension Campaign {
    init(row: SQLRow) throws(StoreError) {
        let segmentText = try row.optionalText("segment")
        let content = CampaignContent(
            name: try row.text("name"), listID: ListID(rawValue: try row.int("list_id")),
            segment: try segmentText.map { text throws(StoreError) in
                try JSONText.decode(SegmentFilter.self, from: text, column: "segment")
            },
            from: try row.text("from_address"), subjectTemplate: try row.text("subject_template"),
            textTemplate: try row.text("text_template"), htmlTemplate: try row.optionalText("html_template"),
            attachments: try row.json([AttachmentReference].self, "attachments"), dkimKeyRef: try row.optionalText("dkim_key_ref"),
            scheduledAt: try row.optionalDate("scheduled_at"), kind: try row.enumValue(CampaignKind.self, "kind"),
            followUpOf: try row.optionalInt("follow_up_of").map(CampaignID.init(rawValue:)))
        self.init(
            id: CampaignID(rawValue: try row.int("id")), content: content,
            state: try row.enumValue(CampaignState.self, "state"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
            createdBy: try row.text("created_by"), pauseReason: try row.optionalText("pause_reason"),
            pausedFrom: try row.optionalText("paused_from").map { text throws(StoreError) in
                guard let state = CampaignState(rawValue: text) else { throw .invalidData("column paused_from holds unknown value \(text)") }
                return state
            },
            stateDeadline: try row.optionalDate("state_deadline"))
    }
}

extension LedgerEntry {
    init(row: SQLRow) throws(StoreError) {
        let code = try row.optionalInt("last_reply_code")
        let text = try row.optionalText("last_reply_text")
        let reply = code.map { SMTPReplyRecord(code: Int($0), text: text ?? "") }
        self.init(
            id: LedgerEntryID(rawValue: try row.int("id")),
            campaignID: CampaignID(rawValue: try row.int("campaign_id")),
            address: NormalizedAddress(storedValue: try row.text("address")),
            subscriberID: SubscriberID(rawValue: try row.int("subscriber_id")),
            state: try row.enumValue(LedgerState.self, "state"), attempts: Int(try row.int("attempts")),
            nextAttemptAt: try row.optionalDate("next_attempt_at"), lastReply: reply,
            claimedBy: try row.optionalText("claimed_by"), updatedAt: try row.date("updated_at"),
            verpToken: try row.text("verp_token"), wave: try row.enumValue(LedgerWave.self, "wave"),
            isSeed: try row.int("seed") != 0, bounce: try LedgerBounce(row: row))
    }
}

extension AuditEvent {
    init(row: SQLRow) throws(StoreError) {
        let name = try row.text("actor_name")
        let actor: AuditActor =
            if try row.text("actor_kind") == "system" {
                .system
            } else if let osUser = try row.optionalText("os_user") {
                .person(user: try row.int("authenticated") == 1 ? name : nil, osUser: osUser)
            } else {
                .human(name)
            }
        let event = NewAuditEvent(
            actor: actor, action: try row.text("action"), subjectKind: try row.text("subject_kind"),
            subjectID: try row.text("subject_id"),
            details: try row.jsonObject("details"))
        self.init(id: try row.int("id"), at: try row.date("at"), event: event)
    }
}

extension LedgerBounce {
    /// The entry's bounce columns, nil when it has none.
    init?(row: SQLRow) throws(StoreError) {
        guard let kind = try row.optionalText("bounce_kind") else { return nil }
        guard let parsed = BounceKind(rawValue: kind) else { throw .invalidData("unknown bounce kind \(kind.debugDescription)") }
        self.init(
            kind: parsed, status: try row.optionalText("bounce_status") ?? "", diagnostic: try row.optionalText("bounce_diagnostic"),
            at: try row.optionalDate("bounced_at") ?? Date(timeIntervalSince1970: 0))
    }
}

extension RelayMessageRecord {
    /// A message's columns (without its octets) and its recipients, in the order submitted.
    init(row: SQLRow, recipients: [RelayRecipient]) throws(StoreError) {
        self.init(
            id: RelayMessageID(rawValue: try row.int("id")), receivedAt: try row.date("received_at"),
            sender: RelaySender(stored: try row.enumValue(RelaySender.Kind.self, "sender_kind"), name: try row.text("sender_name")),
            mailFrom: try row.text("mail_from"), clientAddress: try row.optionalText("client_address"), subject: try row.text("subject"),
            size: Int(try row.int("size")), state: try row.enumValue(RelayMessageState.self, "state"),
            holdReason: try row.optionalText("hold_reason").map { text throws(StoreError) in
                guard let reason = RelayHoldReason(rawValue: text) else { throw .invalidData("column hold_reason holds unknown value \(text)") }
                return reason
            },
            findings: try row.json([Finding].self, "findings"), relayAfter: try row.optionalDate("relay_after"),
            copyForm: try row.enumValue(RelayCopyForm.self, "copy_form"), decidedBy: try row.optionalText("decided_by"),
            decidedAt: try row.optionalDate("decided_at"), senderNotified: try row.int("sender_notified") != 0, recipients: recipients,
            list: try row.optionalInt("list_id").map(ListID.init(rawValue:)))
    }
}

extension RelayRecipient {
    init(row: SQLRow) throws(StoreError) {
        let code = try row.optionalInt("last_reply_code")
        let text = try row.optionalText("last_reply_text")
        self.init(
            address: try row.text("address"), state: try row.enumValue(RelayRecipientState.self, "state"),
            attempts: Int(try row.int("attempts")), nextAttemptAt: try row.optionalDate("next_attempt_at"),
            lastReply: code.map { SMTPReplyRecord(code: Int($0), text: text ?? "") })
    }
}

extension RelayBreaker {
    init(row: SQLRow) throws(StoreError) {
        self.init(
            sender: RelaySender(stored: try row.enumValue(RelaySender.Kind.self, "sender_kind"), name: try row.text("sender_name")),
            openedAt: try row.date("opened_at"), trippedBy: RelayMessageID(rawValue: try row.int("tripped_by")),
            heldMessages: Int(try row.int("held")))
    }
}
