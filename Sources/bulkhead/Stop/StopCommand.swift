import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead stop --all` / `bulkhead stop --release`: the emergency stop.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Emergency stop: pause every campaign under way and hold everything until released.",
        discussion: """
            --all pauses every campaign that is pending, in its canary or hold, or sending (reason stop-all;
            delivery stops within a second, messages in flight complete) and sets a latch: while it holds, no
            campaign starts or resumes and `serve` starts nothing; the guard relay delivers nothing and files
            every message it accepts in the hold queue (reason stopped). --release lifts the latch; the paused
            campaigns stay paused and are resumed one by one (bulkhead campaign resume ID), held relay mail
            is released one by one (bulkhead hold release ID), relay mail that was queued goes out.
            Needs no password: an emergency must not wait.

            Examples:
              bulkhead stop --all --reason "wrong list in the spring campaign"
              bulkhead stop --release
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Flag(help: "Pause everything under way and hold until --release.") var all = false
    @Flag(help: "Lift the emergency stop (paused campaigns stay paused).") var release = false
    @Option(help: "Why, for the audit log.") var reason: String?

    func validate() throws {
        guard all != release else { throw ValidationError("give exactly one of --all or --release") }
    }

    func run() async throws {
        try await config.withEnvironment { environment in
            let store = environment.store
            // An emergency never waits for a password: the OS user, unless --as is given (then checked).
            let who = try await actor.authenticated(store, for: "stop campaigns", required: false)
            if all {
                let stopped = try await environment.stopAll(reason: reason ?? "emergency stop", actor: who)
                let list = stopped.paused.isEmpty ? "none was under way" : stopped.paused.map { "\($0.rawValue)" }.joined(separator: ", ")
                print("emergency stop in force since \(stopped.latch?.setAt.formatted(.iso8601) ?? "now"); campaigns paused: \(list)")
                print("nothing starts until `bulkhead stop --release`; then resume campaigns one by one")
            } else if try await store.releaseLatch(named: Latch.emergencyStop, actor: who) {
                print("emergency stop released; paused campaigns stay paused (bulkhead campaign resume ID)")
            } else {
                print("no emergency stop was in force")
            }
        }
    }
}
