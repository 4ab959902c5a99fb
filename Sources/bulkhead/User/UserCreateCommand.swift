import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// `bulkhead user create NAME --role R[,R…] --password-stdin`.
struct UserCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a user; the password is one line of standard input (asked without echo on a terminal).",
        discussion: """
            Names: 1 to 64 letters, digits, '.', '-', '_'. Roles: author (create and send campaigns), approver \
            (approve other people's campaigns), admin (create and disable users), relay. The first user must include \
            admin; after that only an admin creates users (--as ADMIN, its password in BULKHEAD_PASSWORD since \
            standard input holds the new one). Passwords: 1 to 72 bytes, kept only as a bcrypt hash.

            Example:
              printf '%s\\n' "$PASSWORD" | bulkhead user create ann --role admin,author --password-stdin
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The new user's name.") var user: String
    @Option(help: ArgumentHelp("author, approver, admin, relay (comma-separated).", valueName: "roles")) var role: String
    @Flag(help: "Read the password from standard input (one line).") var passwordStdin = false

    func run() async throws {
        guard passwordStdin else {
            throw CLIError.fail("give the password on standard input with --password-stdin (never as an argument)", code: 2)
        }
        let roles: Set<UserRole>
        do {
            try UserName.check(user)
            roles = try UserRole.parseList(role)
        } catch {
            throw CLIError.fail("\(error)", code: 2)
        }
        let password = try PasswordInput.newPassword()
        try await config.withStore { store, _ in
            let existing = try await store.allUsers()
            let who: AuditActor
            if existing.isEmpty {
                guard roles.contains(.admin) else {
                    throw CLIError.fail(
                        "the first user must be an admin: add admin to --role (e.g. --role admin,\(role))", code: 1)
                }
                who = .person(user: nil, osUser: ActorOption.osUser)
            } else {
                who = try await actor.authenticated(store, for: "create users", required: true, roles: [.admin])
            }
            let hash = try await PasswordHasher().hash(password)
            do {
                let created = try await store.createUser(NewUser(name: user, roles: roles, passwordHash: hash), actor: who)
                print("user \(created.name) created (\(created.roles.sorted().map(\.rawValue).joined(separator: ", ")))")
            } catch StoreError.duplicate {
                throw CLIError.fail("user \(user) already exists", code: 1)
            }
        }
    }
}
