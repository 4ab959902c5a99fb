/// Rule 4 of the campaign preflight: sensitive content in the subject, the bodies or the attachments
/// (see ``SensitiveContent``), and attachments that are data exports (spreadsheets, CSV, archives,
/// database dumps), need a second person's approval (`guardrails.dlp`: approval, error or off).
struct SensitiveContentRules {
    let mode: DLPMode

    /// File name endings of data exports.
    static let exportExtensions: Set<String> = [
        "csv", "tsv", "xls", "xlsx", "xlsm", "ods", "numbers", "zip", "7z", "rar", "tar", "gz", "tgz", "bz2", "xz",
        "sql", "dump", "bak", "db", "sqlite", "sqlite3", "mdb", "accdb",
    ]

    func check(_ plan: SendPlan) -> [Finding] {
        var parts = [("subject", plan.subject), ("text body", plan.text)]
        if let html = plan.html { parts.append(("HTML body", html)) }
        for attachment in plan.attachments {
            if let text = attachment.text { parts.append(("attachment \(attachment.name)", text)) }
        }
        return check(parts: parts, attachmentNames: plan.attachments.map(\.name))
    }

    /// Findings about texts (location, text) and attachment file names.
    func check(parts: [(String, String)], attachmentNames: [String]) -> [Finding] {
        guard let severity = mode.severity else { return [] }
        var findings: [Finding] = []
        for (location, text) in parts {
            for kind in SensitiveContent.find(in: text) {
                findings.append(
                    Finding(
                        code: "dlp.\(kind.rawValue)", severity: severity, message: "the \(location) holds \(kind.label)",
                        location: location, fix: "remove it, or have an approver confirm it belongs in this mail"))
            }
        }
        for name in attachmentNames {
            let ending = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
            guard name.contains("."), Self.exportExtensions.contains(ending) else { continue }
            findings.append(
                Finding(
                    code: "dlp.data-export", severity: severity,
                    message: "the attachment \(name) looks like a data export (.\(ending))",
                    location: "attachment \(name)",
                    fix: "send a link to where the recipients are allowed to see it, or have an approver confirm it"))
        }
        return findings
    }
}

/// What the sensitive-content rule does with what it finds (`guardrails.dlp`).
public enum DLPMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// A second person must approve (the default).
    case approval
    /// The send is refused.
    case error
    /// Not checked.
    case off

    var severity: Finding.Severity? {
        switch self {
        case .approval: .approval
        case .error: .error
        case .off: nil
        }
    }
}
