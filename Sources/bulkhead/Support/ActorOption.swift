import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `--as NAME`: the user acting, authenticated against the user table (password from
/// `BULKHEAD_PASSWORD`, else a prompt without echo when standard input is a terminal). `--actor NAME`,
/// its name before users existed, is a hidden alias. The audit log records the user and the
/// operating-system account that ran the command.
///
/// While no user exists (the embedded quick start) nobody authenticates and actions are recorded as the
/// operating-system account. Once one exists, commands that act pass `required: true`; the stop
/// commands pass `required: false` (an emergency must not wait for a password) and authenticate only
/// when `--as` is given.
///
/// ```swift
/// @OptionGroup var actor: ActorOption
/// let who = try await actor.authenticated(store, for: "create a campaign", required: true, roles: [.author])
/// _ = try await store.createCampaign(content, actor: who)
/// ```
struct ActorOption: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "The user acting (password from BULKHEAD_PASSWORD or a prompt); recorded in the audit log with the OS user.",
            valueName: "name"))
    var name: String?

    /// The option's name before users existed; scripts of earlier releases pass it.
    @Option(name: .customLong("actor"), help: .hidden) var deprecatedName: String?

    /// The actor ``authenticate(_:for:required:roles:)`` proved, for code that reads ``audit`` later.
    var proven: AuditActor? = nil

    func validate() throws {
        if let name, let deprecatedName, name != deprecatedName {
            throw ValidationError("--as \(name) and --actor \(deprecatedName) (its old name) name different users")
        }
    }

    /// The user named by `--as` (or `--actor`), if any.
    var requested: String? { name ?? deprecatedName }

    /// The actor proven by ``authenticate(_:for:required:roles:)``, else the operating-system account
    /// (unauthenticated).
    var audit: AuditActor { proven ?? .person(user: nil, osUser: Self.osUser) }

    /// ``authenticated(_:for:required:roles:)``, remembered in ``proven`` (so ``audit`` returns it).
    mutating func authenticate(
        _ store: any MailStore, for action: String, required: Bool, roles: Set<UserRole> = []
    ) async throws -> AuditActor {
        let actor = try await authenticated(store, for: action, required: required, roles: roles)
        proven = actor
        return actor
    }

    /// Who is acting, for `action` (words for the error messages, e.g. "send a campaign"):
    /// - no user exists: the operating-system account, unauthenticated (`--as` is not checked; a note says so);
    /// - users exist and `--as NAME` is given: NAME, authenticated, holding one of `roles` (empty: any);
    /// - users exist, no `--as`: the operating-system account when not `required`, else exit 1.
    ///
    /// A wrong password, an unknown user and a disabled user all end with the one message
    /// `authentication failed for NAME` (exit 1).
    func authenticated(_ store: any MailStore, for action: String, required: Bool, roles: Set<UserRole> = []) async throws -> AuditActor {
        let osUser = Self.osUser
        guard try await !store.allUsers().isEmpty else {
            if let requested {
                FileHandle.standardError.write(
                    Data("bulkhead: note: no users exist yet, so --as \(requested) is not checked; recorded as the OS user \(osUser)\n".utf8))
            }
            return .person(user: nil, osUser: osUser)
        }
        guard let requested else {
            guard !required else {
                throw CLIError.fail("to \(action), name yourself with --as NAME (users exist: bulkhead user list)", code: 1)
            }
            return .person(user: nil, osUser: osUser)
        }
        // A name no user can have is quoted (it may hold control characters); it fails like any other.
        let valid = (try? UserName.check(requested)) != nil
        let shown = valid ? requested : requested.debugDescription
        let password = try PasswordInput.forAuthentication(of: shown)
        guard valid, let user = try await UserAuthentication.authenticate(store, name: requested, password: password) else {
            throw CLIError.fail("authentication failed for \(shown)", code: 1)
        }
        guard user.holdsAny(of: roles) else {
            let needed = roles.sorted().map(\.rawValue).joined(separator: " or ")
            throw CLIError.fail("\(user.name) may not \(action): that needs the role \(needed)", code: 1)
        }
        return .person(user: user.name, osUser: osUser)
    }

    /// The operating-system account running the command: its name in the password database, else
    /// `$USER`, else `uid N`.
    static var osUser: String {
        let uid = getuid()
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(uid)"
    }
}
