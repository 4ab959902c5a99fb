import BulkheadStore

/// What `bulkhead subscribers show` prints.
struct SubscriberView: Encodable {
    struct MembershipView: Encodable {
        var list: String
        var status: String
        var updatedAt: String
    }

    struct ConsentView: Encodable {
        var list: String
        var kind: String
        var at: String
        var method: String
        var source: String
        var ipOrChannel: String?
        var textShown: String?

        init(list: String, evidence: ConsentEvidence) {
            self.list = list
            kind = evidence.kind.rawValue
            at = CLITime.format(evidence.at)
            method = evidence.method.rawValue
            source = evidence.source
            ipOrChannel = evidence.ipOrChannel
            textShown = evidence.textShown
        }
    }

    /// One suppression; `address` is filled in where the context does not say it (`suppression list`).
    struct SuppressionView: Encodable {
        var address: String?
        var reason: String
        var at: String
        var source: String
        var note: String?

        init(_ suppression: Suppression, withAddress: Bool = false) {
            address = withAddress ? suppression.address.value : nil
            reason = suppression.reason.rawValue
            at = CLITime.format(suppression.at)
            source = suppression.source
            note = suppression.note
        }
    }

    var address: String
    var name: String?
    var attributes: [String: JSONValue] = [:]
    var createdAt: String?
    var updatedAt: String?
    var memberships: [MembershipView] = []
    var consent: [ConsentView] = []
    var suppression: SuppressionView?

    init(address: String, suppression: SuppressionView?) {
        self.address = address
        self.suppression = suppression
    }

    func text() throws -> String {
        var lines = [address]
        if let createdAt {
            lines.append("  name: \(name ?? "(none)")")
            lines.append("  attributes: \(try SubscriberJSON.text(attributes))")
            lines.append("  created \(createdAt), updated \(updatedAt ?? createdAt)")
        } else {
            lines.append("  not a subscriber")
        }
        lines.append(memberships.isEmpty ? "memberships: none" : "memberships:")
        for membership in memberships {
            lines.append("  \(membership.list): \(membership.status) (since \(membership.updatedAt))")
        }
        lines.append(consent.isEmpty ? "consent records: none" : "consent records:")
        for record in consent {
            var line = "  \(record.at) \(record.list): \(record.kind) via \(record.method), source \(record.source)"
            if let channel = record.ipOrChannel { line += ", from \(channel)" }
            if let text = record.textShown { line += ", shown \"\(text)\"" }
            lines.append(line)
        }
        if let suppression {
            var line = "suppressed: \(suppression.reason) since \(suppression.at), source \(suppression.source)"
            if let note = suppression.note { line += " (\(note))" }
            lines.append(line)
        } else {
            lines.append("suppressed: no")
        }
        return lines.joined(separator: "\n")
    }
}
