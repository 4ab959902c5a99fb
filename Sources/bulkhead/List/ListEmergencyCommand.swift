import ArgumentParser
import BulkheadStore

/// `bulkhead list emergency NAME on|off`.
struct ListEmergencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergency",
        abstract: "Turn a hosted list's emergency switch on (every post is held) or off.",
        discussion: """
            While the switch is on, every post to the list is held in the hold queue (nothing is lost: release
            or discard each with `bulkhead hold`). `bulkhead stop --all` holds every list's posts too.

            Turning it on needs no password (like `bulkhead stop`); turning it off needs an approver or an admin
            once users exist.

            Exit status: 0 done, 1 no hosted list with that name or the store cannot be opened.

            Example:
              bulkhead list emergency all on
            """
    )

    enum Switch: String, ExpressibleByArgument, CaseIterable {
        case on, off
    }

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The hosted list's name.") var name: String
    @Argument(help: "on or off.") var state: Switch

    func run() async throws {
        try await config.withStore { store, _ in
            // Like `stop`: anyone may hold a list's posts at once; letting them through again needs an approver.
            let person =
                state == .on
                ? try await actor.authenticated(store, for: "hold a list's posts", required: false)
                : try await actor.authenticated(store, for: "let a list's posts through again", required: true, roles: [.approver, .admin])
            let list = try await store.existingList(named: name)
            guard try await store.hostedList(list.id) != nil else {
                throw CLIError.fail("list \(list.name) has no address (it is not a hosted list)", code: 1)
            }
            try await store.setListEmergency(list.id, on: state == .on, actor: person)
            print(
                state == .on
                    ? "emergency switch of \(list.name) is on: every post is held (see bulkhead hold list)"
                    : "emergency switch of \(list.name) is off: posts go to the members again (held ones stay held)")
        }
    }
}
