import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `--as NAME`: the user acting, authenticated against the user table (password from
/// `BULKHEAD_PASSWORD`, else a prompt without echo when standard input is a terminal). `--actor NAME`,
/// its name before users existed, is a hidden alias. The audit log records the user and the
/// operating-system account that ran the command.
///
/// Without `--as`, an API token in `BULKHEAD_TOKEN` (`bulkhead token create`) authenticates instead of
/// a password: the token's user acts, and its scopes must cover the command's roles (author → `send`,
/// approver → `approve`, admin → `admin`).
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
            if requested == nil, Self.environmentToken != nil {
                FileHandle.standardError.write(
                    Data("bulkhead: note: no users exist yet, so BULKHEAD_TOKEN is not checked; recorded as the OS user \(osUser)\n".utf8))
            }
            if let requested {
                FileHandle.standardError.write(
                    Data("bulkhead: note: no users exist yet, so --as \(requested) is not checked; recorded as the OS user \(osUser)\n".utf8))
            }
            return .person(user: nil, osUser: osUser)
        }
        if requested == nil, let token = Self.environmentToken {
            return try await tokenActor(store, token: token, for: action, roles: roles)
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

    /// `BULKHEAD_TOKEN`, when set and not empty.
    static var environmentToken: String? {
        ProcessInfo.processInfo.environment["BULKHEAD_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The API token's user, when the token is valid (not revoked, its user enabled) and its scopes
    /// cover one of `roles` (empty: any). A token that is not valid fails like a wrong password; the
    /// token is never shown.
    private func tokenActor(_ store: any MailStore, token: String, for action: String, roles: Set<UserRole>) async throws -> AuditActor {
        guard let grant = try await store.apiGrant(tokenHash: AccessSecret.hash(token)) else {
            throw CLIError.fail("authentication failed: BULKHEAD_TOKEN is not a valid API token (unknown, revoked, or its user is disabled)", code: 1)
        }
        let needed = Set(roles.compactMap(APIScope.init(role:)))
        guard roles.isEmpty || !needed.isDisjoint(with: grant.scopes) else {
            let names = needed.isEmpty ? "a scope no token has" : "the scope " + needed.sorted().map(\.rawValue).joined(separator: " or ")
            throw CLIError.fail(
                "the API token of \(grant.user.name) may not \(action): that needs \(names) (the token has \(APIScope.text(grant.scopes)))", code: 1)
        }
        return .person(user: grant.user.name, osUser: Self.osUser)
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
