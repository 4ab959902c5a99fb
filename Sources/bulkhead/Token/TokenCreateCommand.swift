import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead token create --user NAME --scopes S[,S…] [--label TEXT]`.
struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API token for a user; the token is printed once on standard output (only its hash is kept).",
        discussion: """
            Scopes: read, send, approve, admin (comma-separated), each allowed by the user's roles (send needs \
            author, approve approver, admin admin). Needs an admin (--as ADMIN).

            Example:
              TOKEN=$(BULKHEAD_PASSWORD=... bulkhead token create --user ann --scopes read,send --as root)
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Option(help: "The user the token acts for.") var user: String
    @Option(help: ArgumentHelp("read, send, approve, admin (comma-separated).", valueName: "scopes")) var scopes: String
    @Option(help: "What the token is for (shown by token list).") var label = ""

    func run() async throws {
        let requested: Set<APIScope>
        do {
            requested = try APIScope.parseList(scopes)
        } catch {
            throw CLIError.fail("\(error)", code: 2)
        }
        let token = AccessSecret.make(prefix: AccessSecret.apiTokenPrefix)
        let created = try await config.withStore { store, _ in
            guard try await !store.allUsers().isEmpty else {
                throw CLIError.fail("a token belongs to a user and none exists: \(UserHints.createUsers)", code: 1)
            }
            let who = try await actor.authenticated(store, for: "create API tokens", required: true, roles: [.admin])
            do {
                return try await store.createAPIToken(
                    NewAPIToken(tokenHash: AccessSecret.hash(token), userName: user, scopes: requested, label: label), actor: who)
            } catch StoreError.refused(let why) {
                throw CLIError.fail(why, code: 1)
            } catch StoreError.notFound {
                throw CLIError.fail("no enabled user \(user)", code: 1)
            }
        }
        FileHandle.standardError.write(
            Data(
                "bulkhead: token \(created.id) for \(created.userName) (\(APIScope.text(created.scopes))) created; it is shown only now\n"
                    .utf8))
        print(token)
    }
}
