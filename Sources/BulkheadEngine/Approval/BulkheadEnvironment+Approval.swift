public import BulkheadStore
import Foundation

extension BulkheadEnvironment {
    /// The campaign's content fingerprint as configured now (see ``CampaignFingerprint``).
    public func fingerprint(of campaign: Campaign) throws -> String {
        try Self.fingerprint(of: campaign, configuration: configuration)
    }

    /// Where the campaign stands with its approval, given its eligible count now
    /// (``MailStore/audience(campaign:)``): what the send path checks when preflight found an
    /// `approval` finding.
    ///
    /// ```swift
    /// let eligible = try await environment.store.audience(campaign: id).eligible
    /// let status = try await environment.approvalStatus(for: campaign, eligible: eligible)
    /// guard status.isApproved else { throw … }   // print(status) says why
    /// ```
    public func approvalStatus(for campaign: Campaign, eligible: Int) async throws -> ApprovalStatus {
        try await Self.approvalStatus(for: campaign, eligible: eligible, store: store, configuration: configuration)
    }

    /// The fingerprint from the configuration alone (for commands that open only the store): reads
    /// every attachment (throws ``CampaignAttachmentError`` for one that vanished or changed since
    /// creation) and the DKIM key the campaign names (its public key is part of the fingerprint).
    public static func fingerprint(of campaign: Campaign, configuration: BulkheadConfiguration) throws -> String {
        let content = campaign.content
        let attachments = try content.attachments.map { reference throws(CampaignAttachmentError) in
            try CampaignAttachmentFile.load(reference)
        }
        let key = try content.dkimKeyRef.map { name throws(ConfigurationError) in try configuration.dkimKey(named: name) } ?? configuration.dkim
        return CampaignFingerprint.compute(
            content: content, from: content.from.isEmpty ? configuration.identity.from : content.from,
            attachments: attachments, signer: try key.map { try loadSigner($0, configuration) })
    }

    /// ``approvalStatus(for:eligible:)`` from a store and the configuration.
    public static func approvalStatus(
        for campaign: Campaign, eligible: Int, store: any MailStore, configuration: BulkheadConfiguration
    ) async throws -> ApprovalStatus {
        let approvals = try await store.approvals(campaign: campaign.id)
        guard let latest = approvals.last else { return .missing }
        let status = ApprovalStatus.decide(
            latest: latest, fingerprint: try fingerprint(of: campaign, configuration: configuration),
            audience: AudienceDefinition(campaign.content), eligible: eligible,
            overrides: try await store.overrides(campaign: campaign.id))
        // An approval by a user disabled since no longer counts: whoever disabled them may have had a reason.
        if case .approved(let by, let at, _) = status, try await store.user(named: by)?.disabled ?? true {
            return .voided(by: by, at: at, reason: .approverDisabled)
        }
        return status
    }
}
