/// One thing a guardrail noticed about a message, a campaign or a send: what, how bad, and where.
///
/// Findings are plain values so that every send path (campaigns, the relay, lists, auto-replies)
/// and every front end (CLI, dashboard, API) reports problems the same way.
///
/// ```swift
/// let finding = Finding(code: "header.missing-from", severity: .error, message: "no From header")
/// print(finding) // error header.missing-from: no From header
/// ```
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious a finding is, from least to most: `info` is advice, `warning` needs a human's eye,
    /// `confirm` needs the exact recipient count typed, `approval` needs a second person's approval,
    /// `error` refuses the send.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
        case info, warning, confirm, approval, error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            order(lhs) < order(rhs)
        }

        private static func order(_ severity: Severity) -> Int {
            switch severity {
            case .info: 0
            case .warning: 1
            case .confirm: 2
            case .approval: 3
            case .error: 4
            }
        }
    }

    /// A stable, dotted identifier (`header.missing-from`), for scripts and suppressions.
    public let code: String
    public let severity: Severity
    /// One sentence for a person.
    public let message: String
    /// Where it was found (`subject`, `text body`, `audience`…), when that helps.
    public let location: String?
    /// What to do about it, when there is one thing to do.
    public let fix: String?

    public init(code: String, severity: Severity, message: String, location: String? = nil, fix: String? = nil) {
        self.code = code
        self.severity = severity
        self.message = message
        self.location = location
        self.fix = fix
    }

    public var description: String { "\(severity.rawValue) \(code): \(message)" }
}
