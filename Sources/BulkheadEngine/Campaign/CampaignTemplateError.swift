/// Which of a campaign's templates an error is about.
public enum CampaignTemplateKind: String, Sendable, Hashable, CaseIterable {
    /// The subject line template.
    case subject
    /// The text/plain body template.
    case text
    /// The text/html body template.
    case html
}

/// Why a campaign template could not be compiled or rendered.
public enum CampaignTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The template does not parse: `line` and `column` (1-based, in characters) point where the
    /// parser stopped; `reason` names the mustache error and `excerpt` is the line.
    case syntax(template: CampaignTemplateKind, line: Int, column: Int, reason: String, excerpt: String)
    /// The rendered subject holds a CR, LF or NUL (from a recipient's data): the message is refused
    /// for that recipient rather than risking a header injection.
    case lineBreakInSubject(offset: Int)

    /// A one-line explanation for logs and CLI output.
    public var description: String {
        switch self {
        case .syntax(let template, let line, let column, let reason, let excerpt):
            return "\(template.rawValue) template, line \(line), column \(column): \(reason) (in \"\(excerpt)\")"
        case .lineBreakInSubject(let offset):
            return "rendered subject holds a CR, LF or NUL at offset \(offset) (header injection refused)"
        }
    }
}
