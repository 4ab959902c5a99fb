/// Which `error` findings `send --override CODE --reason TEXT` may turn into an `approval` finding (a
/// second person then approves the campaign with the override on record). Some never may: recipients
/// who can see each other (exposure), and mail that looks like a test going to a large audience.
///
/// ```swift
/// OverridePolicy.canOverride(code: "unsubscribe.missing", eligible: 800)       // true
/// OverridePolicy.canOverride(code: "recipients.exposed", eligible: 3)          // false
/// OverridePolicy.canOverride(code: "content.looks-like-test", eligible: 12_000) // false
/// ```
public enum OverridePolicy {
    /// Findings about recipients who can see each other: never overridden, whatever the audience.
    public static let exposureCodes: Set<String> = ["recipients.exposed", "recipients.bcc-header"]
    /// Findings that the mail looks like a test.
    public static let testMailCodes: Set<String> = ["content.looks-like-test", "subject.looks-like-test"]
    /// From this many eligible recipients a test-mail finding cannot be overridden.
    public static let testMailLimit = 10_000

    /// Whether the finding `code` may be overridden for a send to `eligible` recipients.
    public static func canOverride(code: String, eligible: Int) -> Bool {
        refusal(code: code, eligible: eligible) == nil
    }

    /// Why the finding `code` cannot be overridden for a send to `eligible` recipients, or nil when it can.
    public static func refusal(code: String, eligible: Int) -> String? {
        if exposureCodes.contains(code) {
            return "\(code) cannot be overridden: recipients would see each other's addresses"
        }
        if testMailCodes.contains(code), eligible >= testMailLimit {
            return "\(code) cannot be overridden for \(eligible) recipients (test mail to \(testMailLimit) or more never goes)"
        }
        return nil
    }

    /// `findings` with each `error` whose code was overridden turned into an `approval` finding (a
    /// second person must then approve); errors that cannot be overridden, and every other finding,
    /// stay as they are.
    ///
    /// ```swift
    /// let adjusted = OverridePolicy.apply(overridden: ["unsubscribe.missing"], to: findings, eligible: 800)
    /// ```
    public static func apply(overridden codes: Set<String>, to findings: [Finding], eligible: Int) -> [Finding] {
        findings.map { finding in
            guard finding.severity == .error, codes.contains(finding.code), canOverride(code: finding.code, eligible: eligible) else {
                return finding
            }
            return Finding(
                code: finding.code, severity: .approval, message: "overridden: \(finding.message)", location: finding.location,
                fix: "an approver other than the author runs: bulkhead campaign approve ID")
        }
    }
}
