import ArgumentParser
import BulkheadStore

/// `bulkhead list seeds NAME add|remove|show ADDRESS…`.
struct ListSeedsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seeds",
        abstract: "Add, remove or show a list's seed addresses (they get every campaign's first wave).",
        discussion: """
            Seed addresses are your own inboxes: each campaign of the list goes to them first, with its canary
            wave, so you can see what people will get before the rest goes out. They are not members (no
            consent record, no export), but a suppressed seed address is never mailed. At most 100 per list.
            Exit status: 0 done, 1 no such list, an address that is not one, or too many seeds.

            Examples:
              bulkhead list seeds news add me@shop.example inbox-check@gmail.com
              bulkhead list seeds news show
              bulkhead list seeds news remove inbox-check@gmail.com
            """
    )

    /// What to do with the addresses.
    enum Action: String, ExpressibleByArgument, CaseIterable {
        case add, remove, show
    }

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The list's name.") var name: String
    @Argument(help: "add, remove or show.") var action: Action
    @Argument(help: "The addresses (add and remove).") var addresses: [String] = []

    func run() async throws {
        switch action {
        case .show where !addresses.isEmpty:
            throw CLIError.fail("list seeds show takes no address", code: 1)
        case .add where addresses.isEmpty, .remove where addresses.isEmpty:
            throw CLIError.fail("list seeds \(action.rawValue) needs at least one ADDRESS", code: 1)
        default: break
        }
        var normalized: [NormalizedAddress] = []
        for text in addresses { normalized.append(try AddressArgument.normalized(text)) }
        try await config.withStore { store, _ in
            let list = try await store.existingList(named: name)
            switch action {
            case .add:
                let added: Int
                do {
                    added = try await store.addSeeds(normalized, list: list.id, actor: actor.audit)
                } catch let StoreError.invalidData(message) {
                    throw CLIError.fail("\(list.name): \(message)", code: 1)
                }
                let already = Set(normalized).count - added
                print("added \(added) seed address(es) to \(list.name)" + (already > 0 ? " (\(already) already there)" : ""))
            case .remove:
                let removed = try await store.removeSeeds(normalized, list: list.id, actor: actor.audit)
                let missing = Set(normalized).count - removed
                print("removed \(removed) seed address(es) from \(list.name)" + (missing > 0 ? " (\(missing) not a seed)" : ""))
            case .show:
                let seeds = try await store.seeds(list: list.id)
                if seeds.isEmpty {
                    print("\(list.name) has no seed addresses (add some with: bulkhead list seeds \(list.name) add ADDRESS…)")
                } else {
                    for seed in seeds { print(seed.value) }
                }
            }
        }
    }
}
