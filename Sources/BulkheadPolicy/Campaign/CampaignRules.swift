/// The campaign preflight's rules, one family per file: findings about a ``SendPlan``, and the
/// ``SendVerdict`` they add up to. Pure and fast: the same plan always gives the same findings.
///
/// Rules 1 (audience size), 2 (test mail), 4 (sensitive content) and 5 (compliance) judge the plan;
/// rules 3 (every recipient renders) and 6 (consent and exclusions) need the whole audience and are
/// judged by the engine's preflight, which adds their findings.
///
/// ```swift
/// let rules = CampaignRules()
/// let findings = rules.check(plan)
/// let needs = SendRequirements(findings, recipients: plan.eligibleRecipients)
/// if !needs.mayGo { print(needs.unmet) }
/// ```
public struct CampaignRules: Sendable {
    /// The thresholds the rules use.
    public var thresholds: GuardrailThresholds

    /// Rules with `thresholds` (the defaults unless given).
    public init(thresholds: GuardrailThresholds = GuardrailThresholds()) {
        self.thresholds = thresholds
    }

    /// Every finding about `plan`, most severe first (stable within a severity).
    public func check(_ plan: SendPlan) -> [Finding] {
        let findings =
            AudienceSizeRules(thresholds: thresholds).check(plan) + TestMailRules(thresholds: thresholds).check(plan)
            + SensitiveContentRules(mode: thresholds.dlp).check(plan) + ComplianceRules().check(plan)
        return findings.mostSevereFirst()
    }
}

extension Array where Element == Finding {
    /// The findings, most severe first, in their order within a severity.
    ///
    /// ```swift
    /// [info, error, warning].mostSevereFirst() // [error, warning, info]
    /// ```
    public func mostSevereFirst() -> [Finding] {
        enumerated().sorted { ($0.element.severity, $1.offset) > ($1.element.severity, $0.offset) }.map(\.element)
    }
}
