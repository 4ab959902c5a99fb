import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// `bulkhead hold release ID [--split | --bcc]`.
struct HoldReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a held message to its recipients: as submitted, or as individual copies (--split), or as Bcc (--bcc).",
        discussion: """
            --split sends each recipient a copy whose To names only them (Cc removed; same content, same
            Message-ID); --bcc sends each a copy with To: undisclosed-recipients:;. Either way no recipient
            sees another. The rewritten copies are DKIM-signed again with the configured key whose domain
            aligns with the From domain; when none aligns the command says that DMARC-aligned delivery is
            not possible (the copies go out unsigned). Once users exist, releasing needs an approver or
            admin (--as NAME).

            Exit status: 0 released, 1 no such message, it is not held, or its header cannot be read (it
            stays held: discard it), 64 --split with --bcc.

            Examples:
              bulkhead hold release 12 --split
              bulkhead hold release 12 --bcc --as ann
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var message: RelayMessageArgument
    @Flag(help: "One copy per recipient, its To naming only that recipient.") var split = false
    @Flag(help: "One copy per recipient, To: undisclosed-recipients:;.") var bcc = false

    func validate() throws {
        if split && bcc { throw ValidationError("--split and --bcc exclude each other: pick one") }
    }

    func run() async throws {
        let form: RelayCopyForm = split ? .split : (bcc ? .bcc : .original)
        let released = try await config.withEnvironment { environment in
            let who = try await actor.authenticated(environment.store, for: "release held mail", required: true, roles: [.approver, .admin])
            return try await HoldDecision.apply(to: message.id) { id in try await environment.releaseHeld(id, form: form, actor: who) }
        }
        let (record, signing) = (released.record, released.signing)
        let copies =
            switch form {
            case .original: "as submitted"
            case .split: "as individual copies (To: only that recipient)"
            case .bcc: "as Bcc (To: undisclosed-recipients:;)"
            }
        print("released message \(record.id.rawValue) to \(record.recipients.count) recipient(s) \(copies); `bulkhead serve` delivers it")
        if let signing { print(signing) }
    }
}
