/// The audience size over a relayed message's envelope, with the campaign thresholds: a `warning`
/// from `warnFrom`, a second person's approval from `approvalFrom`, and from `confirmFrom` too (the
/// relay cannot ask for a typed count, so the campaign's `confirm` becomes `approval` here).
struct RelayAudienceRule {
    let thresholds: GuardrailThresholds

    func check(recipients count: Int) -> [Finding] {
        let people = count == 1 ? "1 recipient" : "\(count) recipients"
        if count >= min(thresholds.approvalFrom, thresholds.confirmFrom) {
            return [
                Finding(
                    code: "audience.approval", severity: .approval,
                    message: "this message goes to \(people): a second person must release it", location: "envelope",
                    fix: "an approver other than the sender runs: bulkhead hold release ID")
            ]
        }
        if count >= thresholds.warnFrom {
            return [Finding(code: "audience.large", severity: .warning, message: "this message goes to \(people)", location: "envelope")]
        }
        return []
    }
}
