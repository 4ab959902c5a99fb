import BulkheadStore
import Foundation
import Testing

/// API tokens through the real binary: `token create|list|revoke` and `BULKHEAD_TOKEN` standing in for
/// `--as` with a password, within the token's scopes.
@Suite struct TokenCommandTests {
    @Test func tokensAreCreatedListedUsedAndRevoked() async throws {
        let workspace = try CLIWorkspace()
        func bulkhead(_ arguments: String..., stdin: String? = nil, env: [String: String] = [:]) throws -> CLIRunner.Result {
            try workspace.run(arguments, input: stdin.map { Data($0.utf8) }, environment: env)
        }
        let root = ["BULKHEAD_PASSWORD": "s3cret-root"]
        #expect(try bulkhead("token", "create", "--user", "ann", "--scopes", "read").status == 1, "no user exists")
        #expect(try bulkhead("user", "create", "root", "--role", "admin", "--password-stdin", stdin: "s3cret-root\n").status == 0)
        let ann = try bulkhead("user", "create", "ann", "--role", "author", "--password-stdin", "--as", "root", stdin: "s3cret-ann\n", env: root)
        #expect(ann.status == 0, "\(ann.stderr)")

        // Creating needs an admin, and scopes within the user's roles.
        let anonymous = try bulkhead("token", "create", "--user", "ann", "--scopes", "read,send")
        #expect(anonymous.status == 1 && anonymous.stderr.contains("name yourself with --as NAME"))
        let beyond = try bulkhead("token", "create", "--user", "ann", "--scopes", "read,approve", "--as", "root", env: root)
        #expect(beyond.status == 1 && beyond.stdout.isEmpty, "\(beyond.stderr)")
        let unknown = try bulkhead("token", "create", "--user", "ann", "--scopes", "read,everything", "--as", "root", env: root)
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown scope \"everything\""))

        let created = try bulkhead("token", "create", "--user", "ann", "--scopes", "read,send", "--label", "ci", "--as", "root", env: root)
        #expect(created.status == 0, "\(created.stderr)")
        let token = created.stdout.trimmingCharacters(in: .newlines)
        #expect(token.hasPrefix("bht_") && token.count == 47 && created.stdout == token + "\n", "the token alone on standard output")
        #expect(created.stderr == "bulkhead: token 1 for ann (read,send) created; it is shown only now\n")
        let reader = try bulkhead("token", "create", "--user", "ann", "--scopes", "read", "--as", "root", env: root)
        let readOnly = reader.stdout.trimmingCharacters(in: .newlines)

        let list = try bulkhead("token", "list", "--json")
        #expect(list.status == 0 && !list.stdout.contains(token) && !list.stdout.contains(readOnly), "never a token")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["id"] as? Int } == [2, 1])
        #expect(rows.last?["scopes"] as? [String] == ["read", "send"] && rows.last?["label"] as? String == "ci")
        #expect(try bulkhead("token", "list").stdout.hasPrefix("ID  USER  SCOPES     CREATED"))

        // BULKHEAD_TOKEN instead of --as: the token's user acts, within its scopes.
        let made = try bulkhead("list", "create", "news", env: ["BULKHEAD_TOKEN": token])
        #expect(made.status == 0, "\(made.stderr)")
        let refused = try bulkhead("list", "create", "other", env: ["BULKHEAD_TOKEN": readOnly])
        #expect(refused.status == 1)
        #expect(refused.stderr == "bulkhead: the API token of ann may not create lists: that needs the scope send or admin (the token has read)\n")
        let forged = try bulkhead("list", "create", "other", env: ["BULKHEAD_TOKEN": "bht_forged"])
        #expect(forged.status == 1 && !forged.stderr.contains("bht_forged"))
        #expect(
            forged.stderr == "bulkhead: authentication failed: BULKHEAD_TOKEN is not a valid API token (unknown, revoked, or its user is disabled)\n")

        let renamed = try bulkhead("list", "rename", "news", "weekly", env: ["BULKHEAD_TOKEN": token])
        #expect(renamed.status == 0, "\(renamed.stderr)")
        let store = try SQLiteStore(path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path)
        let events = try await store.auditEvents(AuditQuery(action: "list.rename"))
        #expect(events.map(\.event.actor.authenticatedUser) == ["ann"], "the token's user is recorded")

        // Revoked: the token stops working at once.
        let revoke = try bulkhead("token", "revoke", "1", "--as", "root", env: root)
        #expect(revoke.status == 0 && revoke.stdout == "token 1 revoked\n", "\(revoke.stderr)")
        #expect(try bulkhead("token", "revoke", "1", "--as", "root", env: root).stdout == "token 1 was already revoked\n")
        #expect(try bulkhead("token", "revoke", "9", "--as", "root", env: root).stderr == "bulkhead: no API token 9\n")
        #expect(try bulkhead("list", "create", "later", env: ["BULKHEAD_TOKEN": token]).status == 1)
    }
}
