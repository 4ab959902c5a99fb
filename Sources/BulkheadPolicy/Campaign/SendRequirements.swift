/// What a send still needs before it may go, given its findings: every `error` refuses it, an
/// `approval` finding needs a valid approval by a second person, a `confirm` finding needs the exact
/// eligible count typed (`--confirm N`). Warnings never stop a send. `campaign preflight` prints these
/// and `campaign send` enforces the very same value.
///
/// ```swift
/// let needs = SendRequirements(findings, recipients: 1_200, approvedBy: "bob", confirmed: 1_200)
/// needs.mayGo // true when there is no error finding
/// ```
public struct SendRequirements: Sendable, Hashable, Codable {
    /// The codes of the `error` findings, each of which refuses the send.
    public var refusedBy: [String]
    /// Whether an `approval` finding needs a second person's approval.
    public var approvalNeeded: Bool
    /// Who approved, when a valid approval exists.
    public var approvedBy: String?
    /// Why the approval is missing (no approval yet, voided by an edit, no users exist …), when needed and missing.
    public var approvalProblem: String?
    /// The count to type (`--confirm N`), when a `confirm` finding asks for one or a wrong count was typed.
    public var confirmationNeeded: Int?
    /// The count typed, if any.
    public var confirmed: Int?

    /// What a send to `recipients` with `findings` still needs; `approvedBy` names the approver of a
    /// valid approval (nil: none, and `approvalProblem` says why), `confirmed` is the count typed.
    public init(
        _ findings: [Finding], recipients: Int, approvedBy: String? = nil, approvalProblem: String? = nil, confirmed: Int? = nil
    ) {
        refusedBy = findings.filter { $0.severity == .error }.map(\.code)
        approvalNeeded = findings.contains { $0.severity == .approval }
        self.approvedBy = approvalNeeded ? approvedBy : nil
        self.approvalProblem = approvalNeeded && approvedBy == nil ? (approvalProblem ?? "nobody has approved it yet") : nil
        // A count typed is checked even where none is asked for: whoever typed a wrong one expected another audience.
        let wrongCount = confirmed.map { $0 != recipients } ?? false
        confirmationNeeded = findings.contains { $0.severity == .confirm } || wrongCount ? recipients : nil
        self.confirmed = confirmed
    }

    /// Whether the approval need is met.
    public var approvalMet: Bool { !approvalNeeded || approvedBy != nil }

    /// Whether the confirmation need is met: the exact count, nothing else.
    public var confirmationMet: Bool { confirmationNeeded == nil || confirmationNeeded == confirmed }

    /// True when nothing refuses the send and every need is met.
    public var mayGo: Bool { refusedBy.isEmpty && approvalMet && confirmationMet }

    /// What is still missing, one sentence each, in the order a person deals with them.
    public var unmet: [String] {
        var lines: [String] = []
        if !refusedBy.isEmpty {
            lines.append("fix the error finding(s) \(refusedBy.joined(separator: ", ")) (--force does not skip errors)")
        }
        if !approvalMet {
            lines.append("an approval by a second person with the approver role: \(approvalProblem ?? "missing")")
        }
        if let count = confirmationNeeded, confirmed != count {
            if let confirmed {
                lines.append("--confirm \(count): the eligible count is \(count), not \(confirmed)")
            } else {
                lines.append("--confirm \(count): type the exact number of recipients")
            }
        }
        return lines
    }
}
