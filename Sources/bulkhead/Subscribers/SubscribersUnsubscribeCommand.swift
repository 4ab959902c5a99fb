import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead subscribers unsubscribe ADDRESS --list NAME`: an operator records a request to leave a
/// list (by phone, letter, a reply…), with the consent record that says so.
struct SubscribersUnsubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsubscribe",
        abstract: "Take an address off a list (membership unsubscribed, consent withdrawn, audited).",
        discussion: """
            The membership becomes `unsubscribed` and a consent record (withdrawn, method manual, with
            --source as the evidence) is stored in the same transaction. Later imports never re-subscribe
            the address; campaigns to the list skip it. An address not on the list yet (or not stored at
            all) is recorded all the same, so that a later import does not add it. To block an address
            from every list, use `bulkhead suppression add`.

            Exit status: 0 unsubscribed (or already), 1 no such list or an invalid address.

            Example:
              bulkhead subscribers unsubscribe ann@example.com --list news --source "phone call, ticket 4411"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The e-mail address.") var address: String
    @Option(help: "The list to leave.") var list: String
    @Option(help: "Where the request came from (kept as consent evidence).") var source: String

    func run() async throws {
        let normalized = try AddressArgument.normalized(address)
        guard !source.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CLIError.fail("--source must say where the request came from", code: 2)
        }
        let outcome = try await config.withStore { store, _ -> String in
            // Taking someone off a list only ever stops mail: like the stop commands, it needs no password.
            let who = try await actor.authenticated(store, for: "unsubscribe people", required: false)
            let target = try await store.existingList(named: list)
            // An opt-out is never dropped for want of a membership: recorded, a later import keeps it.
            var subscriber = try await store.subscriber(address: normalized)
            if subscriber == nil { subscriber = try await store.upsertSubscriber(address: normalized, name: nil, attributes: [:]) }
            guard let subscriber else { throw CLIError.fail("\(normalized.value) could not be stored", code: 1) }
            let membership = try await store.membership(list: target.id, subscriber: subscriber.id)
            if membership?.status == .unsubscribed { return "\(normalized.value) had already left \(target.name)" }
            let evidence = ConsentEvidence(
                kind: .withdrawn, at: store.clock.date, method: .manual, source: source,
                ipOrChannel: "cli:\(who.displayName)", textShown: nil)
            _ = try await store.setMembership(list: target.id, subscriber: subscriber.id, status: .unsubscribed, consent: evidence)
            guard membership != nil else {
                return "\(normalized.value) was not on \(target.name): recorded as unsubscribed, so no import adds them"
            }
            return "\(normalized.value) unsubscribed from \(target.name)"
        }
        print(outcome)
    }
}
