/// The campaign preflight's rules, one family per file: findings about a ``SendPlan``, and the
/// ``SendVerdict`` they add up to. Pure and fast: the same plan always gives the same findings.
///
/// Issue 9 in progress: rules 1 (audience size), 2 (test mail), 4 (sensitive content) and 5
/// (compliance) are here; rendering of every recipient, consent counts and overdue schedules are not yet, and
/// nothing in the CLI calls these rules yet.
///
/// ```swift
/// let rules = CampaignRules()
/// let findings = rules.check(plan)
/// if case .refused(let codes) = SendVerdict(findings, recipients: plan.eligibleRecipients) { print(codes) }
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
        return findings.enumerated().sorted { ($0.element.severity, $1.offset) > ($1.element.severity, $0.offset) }.map(\.element)
    }
}

/// What a send still needs, given its findings.
public enum SendVerdict: Sendable, Hashable {
    /// Nothing: the send may go ahead (warnings are shown).
    case go
    /// A typed confirmation of exactly `count` recipients.
    case needsConfirmation(count: Int)
    /// A second person's approval (and maybe a confirmation after it).
    case needsApproval
    /// Refused by these `error` findings' codes.
    case refused(codes: [String])

    /// The verdict of `findings` for a send to `recipients`: an error refuses; else a missing approval;
    /// else a missing confirmation.
    public init(_ findings: [Finding], recipients: Int) {
        let errors = findings.filter { $0.severity == .error }.map(\.code)
        if !errors.isEmpty {
            self = .refused(codes: errors)
        } else if findings.contains(where: { $0.severity == .approval }) {
            self = .needsApproval
        } else if findings.contains(where: { $0.severity == .confirm }) {
            self = .needsConfirmation(count: recipients)
        } else {
            self = .go
        }
    }
}
