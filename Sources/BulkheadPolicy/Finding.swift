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
    /// How serious a finding is: `error` blocks a send, `warning` needs a human's eye, `info` is advice.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
        case info, warning, error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            order(lhs) < order(rhs)
        }

        private static func order(_ severity: Severity) -> Int {
            switch severity {
            case .info: 0
            case .warning: 1
            case .error: 2
            }
        }
    }

    /// A stable, dotted identifier (`header.missing-from`), for scripts and suppressions.
    public let code: String
    public let severity: Severity
    /// One sentence for a person.
    public let message: String

    public init(code: String, severity: Severity, message: String) {
        self.code = code
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(severity.rawValue) \(code): \(message)" }
}
