import ArgumentParser
import BulkheadStore
import Foundation

/// `--actor NAME`: who is acting, recorded in the audit log by the commands that change something.
///
/// ```swift
/// @OptionGroup var actor: ActorOption
/// _ = try await store.removeSuppression(address, actor: actor.audit)
/// ```
struct ActorOption: ParsableArguments {
    @Option(name: .customLong("actor"), help: "Who is acting, for the audit log (default: $USER).")
    var name: String?

    /// `--actor`, else `$USER`, else `cli`.
    var resolved: String {
        name ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
    }

    /// The audit log's actor: the human ``resolved`` names.
    var audit: AuditActor { .human(resolved) }
}
