import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead subscribers show ADDRESS`: everything the store knows about one person.
struct SubscribersShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a subscriber: name, attributes, memberships, consent records and suppression.",
        discussion: """
        Exit status: 0 shown, 1 the address is neither a subscriber nor suppressed, or is not an address.

        Examples:
          bulkhead subscribers show ann@example.com
          bulkhead subscribers show ann@example.com --json | jq .consent
        """
    )

    @OptionGroup var config: ConfigOption
    @Argument(help: "The e-mail address (the domain is compared case-insensitively).") var address: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() async throws {
        let normalized: NormalizedAddress
        do { normalized = try NormalizedAddress(address) } catch {
            throw CLIError.fail("\(error)", code: 1)
        }
        try await StoreOpening.withStore(config: config.path) { store, _ in
            let subscriber = try await store.subscriber(address: normalized)
            let suppression = try await store.suppression(address: normalized)
            guard subscriber != nil || suppression != nil else {
                throw CLIError.fail("no subscriber \(normalized.value)", code: 1)
            }
            var names: [ListID: String] = [:]
            for list in try await store.allLists() { names[list.id] = list.name }
            var view = SubscriberView(address: normalized.value, suppression: suppression.map { SubscriberView.SuppressionView($0) })
            if let subscriber {
                view.name = subscriber.name
                view.attributes = subscriber.attributes
                view.createdAt = CLITime.format(subscriber.createdAt)
                view.updatedAt = CLITime.format(subscriber.updatedAt)
                view.memberships = try await store.memberships(subscriber: subscriber.id).map { membership in
                    SubscriberView.MembershipView(list: names[membership.listID] ?? "#\(membership.listID.rawValue)",
                                                  status: membership.status.rawValue,
                                                  updatedAt: CLITime.format(membership.updatedAt))
                }
                view.consent = try await store.consentRecords(subscriber: subscriber.id).map { record in
                    SubscriberView.ConsentView(list: names[record.listID] ?? "#\(record.listID.rawValue)", evidence: record.evidence)
                }
            }
            print(try json ? CLIJSON.encode(view) : view.text())
        }
    }
}

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
