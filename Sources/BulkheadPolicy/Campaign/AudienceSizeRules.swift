/// Rule 1 of the campaign preflight: the bigger the audience, the more care a send needs.
struct AudienceSizeRules {
    let thresholds: GuardrailThresholds

    func check(_ plan: SendPlan) -> [Finding] {
        let count = plan.eligibleRecipients
        let people = count == 1 ? "1 recipient" : "\(count) recipients"
        var findings: [Finding] = []
        if count >= thresholds.confirmFrom {
            findings.append(
                Finding(
                    code: "audience.confirm", severity: .confirm,
                    message: "this goes to \(people): type the number to confirm", location: "audience",
                    fix: "bulkhead campaign send ID --confirm \(count)"))
        }
        if count >= thresholds.approvalFrom {
            findings.append(
                Finding(
                    code: "audience.approval", severity: .approval,
                    message: "this goes to \(people): a second person must approve it first", location: "audience",
                    fix: "an approver other than the author runs: bulkhead campaign approve ID"))
        } else if count >= thresholds.warnFrom {
            findings.append(
                Finding(
                    code: "audience.large", severity: .warning, message: "this goes to \(people)", location: "audience"))
        }
        return findings
    }
}
