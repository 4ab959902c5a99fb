import ArgumentParser
import BulkheadPolicy
import BulkheadStore
import Foundation

/// `bulkhead list create NAME [--address ADDRESS --policy open|members|moderated|announce]`.
struct ListCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a mailing list, or a hosted list with an address of its own.",
        discussion: """
            With --address the list is hosted: mail to that address (at one of inbound.domains) is accepted by
            `bulkhead serve`'s inbound listener and sent to each confirmed member as an individual message, with
            List-Id, List-Post, a one-click List-Unsubscribe per member and the list's DKIM signature.
            --policy says who may post: open (anyone), members (confirmed members), moderated (every post is
            held for `bulkhead hold release`), announce (only the --poster addresses). Without --policy a
            list is members, and moderated from lists.moderate_from_members members up (500).

            Exit status: 0 created, 1 the name or the address is taken, an address or the store is not usable.

            Examples:
              bulkhead list create news --description "Monthly product news"
              bulkhead list create all --address all@lists.shop.example --policy members
              bulkhead list create updates --address updates@lists.shop.example --policy announce --poster ceo@shop.example
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The list's name (used as --list NAME by other commands).") var name: String
    @Option(help: "A free-form description.") var description = ""
    @Option(help: "The list's own address: mail to it goes to every member (a hosted list).") var address: String?
    @Option(help: "Who may post to a hosted list: open, members, moderated or announce.") var policy: String?
    @Option(help: "Who is alerted about reply-all storms (default: alerts.email).") var owner: String?
    @Option(help: "An address that may post to an announce list (repeatable).") var poster: [String] = []
    @Flag(help: "Print the new list as JSON.") var json = false

    /// `--policy` as the policy it names (validated).
    var postPolicy: ListPostPolicy? { policy.flatMap(ListPostPolicy.init(rawValue:)) }

    func validate() throws {
        if let policy, ListPostPolicy(rawValue: policy) == nil {
            throw ValidationError("--policy must be one of \(ListPostPolicy.allCases.map(\.rawValue).joined(separator: ", ")), not \(policy)")
        }
        if address == nil, policy != nil || owner != nil || !poster.isEmpty {
            throw ValidationError("--policy, --owner and --poster are for a hosted list: give --address too")
        }
        if postPolicy == .announce, poster.isEmpty {
            throw ValidationError("an announce list needs at least one --poster (nobody else may post to it)")
        }
    }

    func run() async throws {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CLIError.fail("the list name must not be empty", code: 1) }
        try await config.withStore { store, configuration in
            let creator = try await actor.authenticated(store, for: "create lists", required: true, roles: [.author, .admin])
            guard let address else {
                let list: MailingList
                do {
                    list = try await store.createList(name: name, description: description)
                } catch StoreError.duplicate {
                    throw CLIError.fail("a list named \"\(name)\" already exists", code: 1)
                }
                print(json ? CLIJSON.encode(ListSummary(list: list, counts: [:])) : "created list \(list.name) (id \(list.id.rawValue))")
                return
            }
            let hosting = ListHosting(
                address: try Self.address(address, "--address"), policy: postPolicy, owner: try owner.map { try Self.address($0, "--owner") },
                posters: try poster.map { try Self.address($0, "--poster") })
            let hosted: HostedList
            do {
                hosted = try await store.createHostedList(name: name, description: description, hosting: hosting, actor: creator)
            } catch StoreError.duplicate(let kind, _) {
                throw CLIError.fail(
                    kind == "list" ? "a list named \"\(name)\" already exists" : "another list already has the address \(hosting.address.value)",
                    code: 1)
            }
            guard let list = try await store.list(id: hosted.listID) else { throw StoreError.notFound(.list(hosted.listID)) }
            let summary = ListSummary(list: list, counts: [:], hosted: hosted, moderateFrom: configuration.lists.moderateFromMembers)
            if json {
                print(CLIJSON.encode(summary))
            } else {
                print("created list \(list.name) (id \(list.id.rawValue)) at \(hosted.address), policy \(summary.hosting?.policy ?? "-")")
            }
            let domain = String(hosting.address.domain)
            if !configuration.inbound.domains.map({ $0.lowercased() }).contains(domain) || configuration.inbound.listen.isEmpty {
                FileHandle.standardError.write(
                    Data(
                        "warning: mail to \(hosted.address) is refused until inbound.domains lists \(domain) and inbound.listen is set\n"
                            .utf8))
            }
        }
    }

    /// A canonical address, or exit 1 naming the option.
    static func address(_ text: String, _ option: String) throws -> NormalizedAddress {
        do {
            return try NormalizedAddress(text)
        } catch {
            throw CLIError.fail("\(option) \(text): \(error)", code: 1)
        }
    }
}
