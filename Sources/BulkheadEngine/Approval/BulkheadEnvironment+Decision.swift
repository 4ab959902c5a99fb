public import BulkheadStore

extension BulkheadEnvironment {
    /// Records a second person's approval or rejection of the campaign as it is now: its content
    /// fingerprint, audience and eligible count (what an edit or a grown audience voids). The store
    /// refuses (``StoreError/refused(_:)``) the campaign's author, whoever edited it or requested an
    /// override, and the system: four eyes, from the CLI, the dashboard and the API alike.
    ///
    /// ```swift
    /// let approval = try await environment.decide(.approve, campaign: id, comment: "checked the links", actor: .human("bob"))
    /// ```
    public func decide(_ decision: ApprovalDecision, campaign id: CampaignID, comment: String?, actor: AuditActor) async throws
        -> CampaignApproval
    {
        try await Self.decide(decision, campaign: id, comment: comment, actor: actor, store: store, configuration: configuration)
    }

    /// ``decide(_:campaign:comment:actor:)`` from a store and the configuration (for commands that open
    /// only the store). Throws ``ActionRefused`` when the content cannot be fingerprinted (an
    /// attachment vanished or changed, the DKIM key cannot be read).
    public static func decide(
        _ decision: ApprovalDecision, campaign id: CampaignID, comment: String?, actor: AuditActor, store: any MailStore,
        configuration: BulkheadConfiguration
    ) async throws -> CampaignApproval {
        guard let campaign = try await store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        let fingerprint: String
        do {
            fingerprint = try Self.fingerprint(of: campaign, configuration: configuration)
        } catch {
            throw ActionRefused(reason: "campaign \(id.rawValue) cannot be \(decision == .approve ? "approved" : "rejected"): \(error)")
        }
        let eligible = try await store.audience(campaign: id).eligible
        return try await store.recordApproval(
            campaign: id,
            NewApproval(
                decision: decision, comment: comment, fingerprint: fingerprint, audience: AudienceDefinition(campaign.content),
                eligible: eligible),
            actor: actor)
    }
}
