import BulkheadEngine
import BulkheadPolicy
import BulkheadStore

/// The store's and the engine's values as the document's schemas (names as in the CLI's `--json`).
extension Components.Schemas.CampaignSummary {
    init(_ campaign: Campaign) {
        self.init(
            id: campaign.id.rawValue, name: campaign.content.name, state: .init(campaign.state), listId: campaign.content.listID.rawValue,
            subject: campaign.content.subjectTemplate, createdBy: campaign.createdBy, createdAt: campaign.createdAt,
            updatedAt: campaign.updatedAt, pauseReason: campaign.state == .paused ? campaign.pauseReason : nil,
            stateDeadline: campaign.stateDeadline)
    }
}

extension Components.Schemas.CampaignState {
    init(_ state: CampaignState) {
        // The document lists exactly the store's states (a test compares them).
        self = Self(rawValue: state.rawValue)!
    }
}

extension Components.Schemas.LedgerCounts {
    init(_ counts: LedgerCounts) {
        self.init(
            queued: counts[.queued], sending: counts[.sending], sent: counts[.sent], deferred: counts[.deferred], failed: counts[.failed],
            uncertain: counts[.uncertain], suppressed: counts[.suppressed], total: counts.total)
    }
}

extension Components.Schemas.Audience {
    init(_ audience: AudienceCounts) {
        self.init(
            eligible: audience.eligible, unconfirmed: audience.excluded[.unconfirmed] ?? 0, unsubscribed: audience.excluded[.unsubscribed] ?? 0,
            suppressed: audience.excluded[.suppressed] ?? 0, noConsentRecord: audience.excluded[.noConsentRecord] ?? 0)
    }
}

extension Components.Schemas.Approval {
    init(_ approval: CampaignApproval) {
        self.init(
            campaignId: approval.campaignID.rawValue, decision: approval.decision == .approve ? .approve : .reject, by: approval.by,
            at: approval.at, comment: approval.comment, fingerprint: approval.fingerprint, eligible: approval.eligible)
    }
}

extension Components.Schemas.Finding {
    init(_ finding: Finding) {
        self.init(
            code: finding.code, severity: Components.Schemas.Severity(rawValue: finding.severity.rawValue)!, message: finding.message,
            location: finding.location, fix: finding.fix)
    }
}

extension Components.Schemas.Requirements {
    init(_ requirements: SendRequirements) {
        self.init(
            mayGo: requirements.mayGo, refusedBy: requirements.refusedBy, approvalNeeded: requirements.approvalNeeded,
            approvedBy: requirements.approvedBy, approvalProblem: requirements.approvalProblem,
            confirmationNeeded: requirements.confirmationNeeded, confirmed: requirements.confirmed, unmet: requirements.unmet)
    }
}

extension Components.Schemas.Preflight {
    init(_ report: PreflightReport) {
        self.init(
            campaignId: report.campaign, state: .init(report.state), transport: report.transport == .capture ? .capture : .upstream,
            audience: .init(report.audience), findings: report.findings.map(Components.Schemas.Finding.init),
            requirements: .init(report.requirements))
    }
}

extension Components.Schemas.Hold {
    init(_ record: RelayMessageRecord) {
        self.init(
            id: record.id.rawValue, receivedAt: record.receivedAt, sender: record.sender.description, mailFrom: record.mailFrom,
            recipients: record.recipients.count, state: StatePayload(rawValue: record.state.rawValue)!,
            holdReason: record.holdReason.flatMap { HoldReasonPayload(rawValue: $0.rawValue) },
            findings: record.findings.map(Components.Schemas.Finding.init), subject: record.subject,
            relayAfter: record.state == .waiting ? record.relayAfter : nil)
    }
}

extension Components.Schemas.Token {
    init(_ token: APIToken) {
        self.init(
            id: token.id, user: token.userName, scopes: token.scopes.sorted().map { Components.Schemas.Scope(rawValue: $0.rawValue)! },
            label: token.label, createdAt: token.createdAt, revokedAt: token.revokedAt)
    }
}
