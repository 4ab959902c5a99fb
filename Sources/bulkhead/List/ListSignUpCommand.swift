import ArgumentParser
import BulkheadStore

/// `bulkhead list sign-up NAME --double-opt-in | --off`.
struct ListSignUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-up",
        abstract: "Let a list take sign-ups from the public form (with double opt-in), or stop it.",
        discussion: """
            With --double-opt-in, `bulkhead serve` shows the form at <unsubscribe_base_url>/s/NAME: a sign-up mails
            one confirmation link (<unsubscribe_base_url>/c/TOKEN, valid for 7 days) and only pressing its button
            makes the person a confirmed member, with a consent record. --off (every list's default) answers 404.
            Changes are audited (list.sign-up).

            Exit status: 0 done, 1 no such list or the store cannot be opened.

            Examples:
              bulkhead list sign-up news --double-opt-in
              bulkhead list sign-up news --off
            """
    )

    enum Mode: String, EnumerableFlag {
        case doubleOptIn, off
    }

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The list's name.") var name: String
    @Flag(help: "Whether the list takes public sign-ups.") var mode: Mode

    func run() async throws {
        try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "change lists' sign-up", required: true, roles: [.author, .admin])
            let list = try await store.existingList(named: name)
            let signUp: ListSignUp = mode == .doubleOptIn ? .doubleOptIn : .off
            try await store.setListSignUp(list.id, signUp, actor: who)
            print(
                signUp == .doubleOptIn
                    ? "list \(list.name) takes sign-ups from the public form at /s/\(list.name), each confirmed by its link"
                    : "list \(list.name) takes no public sign-ups")
        }
    }
}
