import ArgumentParser
import BulkheadStore

/// `bulkhead autoreply resume`: lifts the auto-reply breaker.
struct AutoReplyResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Let auto-replies go out again after the breaker paused them.",
        discussion: """
            Mail that arrived while the responders were paused stays unanswered (it was forwarded or kept);
            replies start again with the next message. Needs an approver or an admin once users exist.

            Exit status: 0 done (or nothing was paused), 1 the store cannot be opened or the user may not.
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption

    func run() async throws {
        try await config.withStore { store, _ in
            let person = try await actor.authenticated(store, for: "resume auto-replies", required: true, roles: [.approver, .admin])
            if try await store.releaseLatch(named: Latch.autoReplyBreaker, actor: person) {
                print("auto-replies resumed: the next message to a responder may be answered again")
            } else {
                print("auto-replies were not paused")
            }
        }
    }
}
