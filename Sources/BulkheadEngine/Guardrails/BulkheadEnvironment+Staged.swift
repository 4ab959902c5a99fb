public import BulkheadPolicy
public import BulkheadStore

extension BulkheadConfiguration.Guardrails.Canary {
    /// The sample rule of these settings.
    public var rule: CanaryRule { CanaryRule(percent: percent, min: min, max: max) }
}

extension BulkheadConfiguration.Guardrails.Brakes {
    /// The thresholds of these settings.
    public var thresholds: BrakeThresholds {
        BrakeThresholds(
            window: window, minSample: minSample, minEvents: minEvents, hardBouncePercent: hardBouncePercent,
            complaintPercent: complaintPercent, unsubscribePercent: unsubscribePercent, rejectionPercent: rejectionPercent)
    }
}

extension BulkheadEnvironment {
    /// The configured brakes (`guardrails.brakes`, alerts to `alerts.email`).
    public var brakes: CampaignBrakes {
        CampaignBrakes(store: store, rules: BrakeRules(thresholds: configuration.guardrails.brakes.thresholds), alerts: alerts, logger: logger)
    }

    /// The mailer of `alerts.email` (nil when it is empty or the identity's From cannot be read), through
    /// this environment's transport.
    public var alerts: AlertMailer? {
        guard let from = try? configuration.fromMailbox else { return nil }
        return try? AlertMailer(to: configuration.alerts.email, from: from, transport: transport, clock: clock, logger: logger)
    }

    /// The one-click unsubscribe of this installation's links (its token secret, its brakes).
    public var oneClickUnsubscribe: OneClickUnsubscribe {
        OneClickUnsubscribe(store: store, tokens: tokens, brakes: brakes, logger: logger)
    }

    /// The domains this installation receives mail for: `inbound.domains`, or when that is empty the
    /// identity's return-path, unsubscribe-mailto and From domains.
    public var inboundDomains: [String] {
        let identity = configuration.identity
        let fromDomain = (try? configuration.fromMailbox.domain) ?? "localhost.localdomain"
        return configuration.inbound.domains.isEmpty
            ? [identity.returnPathDomain ?? fromDomain, identity.unsubscribeMailtoDomain ?? fromDomain, fromDomain]
            : configuration.inbound.domains
    }

    /// The name this host gives in SMTP greetings and trace fields (the return-path domain, else the From domain).
    public var listenerHostname: String {
        configuration.identity.returnPathDomain ?? (try? configuration.fromMailbox.domain) ?? "localhost.localdomain"
    }

    /// The configured staged send (`guardrails.canary`).
    public var staging: CampaignLaunch {
        let canary = configuration.guardrails.canary
        return CampaignLaunch(store: store, canary: canary.rule, holdSeconds: canary.holdSeconds, brakes: brakes, clock: clock)
    }

    /// Starts a campaign whose recipients are queued (see ``CampaignLaunch/launch(_:actor:details:)``):
    /// from `draft`, `scheduled` or `pending` (or `paused` in one of them) to `canary`, or to `sending`.
    ///
    /// ```swift
    /// try await environment.store.enqueueRecipients(campaign: id)
    /// let campaign = try await environment.launch(id, actor: .system)
    /// let summary = try await environment.runner(for: id).run()
    /// ```
    public func launch(_ id: CampaignID, actor: AuditActor, details: [String: JSONValue] = [:]) async throws -> Campaign {
        try await staging.launch(id, actor: actor, details: details)
    }

    /// Resumes a paused campaign where it was paused (see ``CampaignLaunch/resume(_:actor:details:)``).
    public func resume(_ id: CampaignID, actor: AuditActor, details: [String: JSONValue] = [:]) async throws -> Campaign {
        try await staging.resume(id, actor: actor, details: details)
    }

    /// `canary-hold` → `sending` at once (see ``CampaignLaunch/promote(_:actor:)``).
    public func promote(_ id: CampaignID, actor: AuditActor) async throws -> Campaign {
        try await staging.promote(id, actor: actor)
    }
}
