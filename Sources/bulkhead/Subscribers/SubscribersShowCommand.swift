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
        try await config.withStore { store, _ in
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
                    SubscriberView.MembershipView(
                        list: names[membership.listID] ?? "#\(membership.listID.rawValue)",
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
