import BulkheadStore
import Foundation
import Testing

/// Users through the real binary: bootstrap, authentication, roles, disabling, password input.
@Suite struct UserCommandTests {
    /// `bulkhead ARGUMENTS` with `password` (a line) on standard input and `environment`.
    static func run(
        _ workspace: CLIWorkspace, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]
    ) throws -> CLIRunner.Result {
        try workspace.run(arguments, input: stdin.map { Data($0.utf8) }, environment: environment)
    }

    @Test func bootstrapAuthenticationRolesAndDisabling() async throws {
        let workspace = try CLIWorkspace()
        func bulkhead(_ arguments: String..., stdin: String? = nil, env: [String: String] = [:]) throws -> CLIRunner.Result {
            try Self.run(workspace, arguments, stdin: stdin, environment: env)
        }
        let none = try bulkhead("user", "list")
        #expect(none.status == 0 && none.stdout.hasPrefix("no users: anyone acts as the OS user"))

        let notAdmin = try bulkhead("user", "create", "ann", "--role", "author", "--password-stdin", stdin: "s3cret-ann\n")
        #expect(notAdmin.status == 1)
        #expect(notAdmin.stderr == "bulkhead: the first user must be an admin: add admin to --role (e.g. --role admin,author)\n")
        let ann = try bulkhead("user", "create", "ann", "--role", "admin,author,approver", "--password-stdin", stdin: "s3cret-ann\n")
        #expect(ann.status == 0 && ann.stdout == "user ann created (author, approver, admin)\n", "\(ann.stderr)")

        // Once a user exists, only an authenticated admin creates users.
        let anonymous = try bulkhead("user", "create", "bob", "--role", "approver", "--password-stdin", stdin: "s3cret-bob\n")
        #expect(
            anonymous.status == 1 && anonymous.stderr == "bulkhead: to create users, name yourself with --as NAME (users exist: bulkhead user list)\n"
        )
        for (name, password) in [("ann", "wrong"), ("zed", "s3cret-ann"), ("ann", "")] {
            let failed = try bulkhead(
                "user", "create", "bob", "--role", "approver", "--password-stdin", "--as", name, stdin: "s3cret-bob\n",
                env: ["BULKHEAD_PASSWORD": password])
            #expect(failed.status == 1 && failed.stderr == "bulkhead: authentication failed for \(name)\n", "\(failed.stderr)")
            #expect(!failed.stderr.contains(password) || password.isEmpty, "the password is never shown")
        }
        let bob = try bulkhead(
            "user", "create", "bob", "--role", "approver", "--password-stdin", "--as", "ann", stdin: "s3cret-bob\n",
            env: ["BULKHEAD_PASSWORD": "s3cret-ann"])
        #expect(bob.status == 0 && bob.stdout == "user bob created (approver)\n", "\(bob.stderr)")
        let duplicate = try bulkhead(
            "user", "create", "bob", "--role", "author", "--password-stdin", "--actor", "ann", stdin: "other\n",
            env: ["BULKHEAD_PASSWORD": "s3cret-ann"])
        #expect(duplicate.status == 1 && duplicate.stderr == "bulkhead: user bob already exists\n", "--actor is --as's old name")
        let byApprover = try bulkhead(
            "user", "create", "cat", "--role", "author", "--password-stdin", "--as", "bob", stdin: "s3cret-cat\n",
            env: ["BULKHEAD_PASSWORD": "s3cret-bob"])
        #expect(byApprover.status == 1 && byApprover.stderr == "bulkhead: bob may not create users: that needs the role admin\n")

        // Disabling: bob can no longer authenticate, with the same message as a wrong password.
        let lastAdmin = try bulkhead("user", "disable", "ann", "--as", "ann", env: ["BULKHEAD_PASSWORD": "s3cret-ann"])
        #expect(lastAdmin.status == 1 && lastAdmin.stderr == "bulkhead: ann is the last enabled admin: create another admin first\n")
        let disabled = try bulkhead("user", "disable", "bob", "--as", "ann", env: ["BULKHEAD_PASSWORD": "s3cret-ann"])
        #expect(disabled.status == 0 && disabled.stdout == "user bob disabled\n", "\(disabled.stderr)")
        let byDisabled = try bulkhead(
            "user", "create", "dan", "--role", "author", "--password-stdin", "--as", "bob", stdin: "x\n", env: ["BULKHEAD_PASSWORD": "s3cret-bob"])
        #expect(byDisabled.status == 1 && byDisabled.stderr == "bulkhead: authentication failed for bob\n")
        let listed = try bulkhead("user", "list", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == ["ann", "bob"] && rows.compactMap { $0["disabled"] as? Bool } == [false, true])
        #expect(!listed.stdout.contains("$2"), "no hash is ever printed")

        // The audit log names the user and the OS user.
        let store = try SQLiteStore(path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path)
        let events = try await store.auditEvents(AuditQuery(subjectKind: "user"))
        #expect(events.map(\.event.action) == ["user.create", "user.create", "user.disable"])
        #expect(events.first?.event.actor.authenticatedUser == nil && events.first?.event.actor.osUser?.isEmpty == false)
        #expect(events.last?.event.actor.authenticatedUser == "ann" && events.last?.event.actor.osUser == events.first?.event.actor.osUser)
    }

    @Test func passwordsComeOnlyFromWhereTheyShould() throws {
        let workspace = try CLIWorkspace()
        func create(_ name: String, stdin: String?, extra: [String] = ["--password-stdin"]) throws -> CLIRunner.Result {
            try Self.run(workspace, ["user", "create", name, "--role", "admin"] + extra, stdin: stdin)
        }
        #expect(try create("ann", stdin: "pw\n", extra: []).stderr.contains("--password-stdin"))
        #expect(try create("ann", stdin: "\n").stderr == "bulkhead: --password-stdin: the password is empty\n")
        #expect(try create("ann", stdin: nil).status == 2, "no standard input: empty")
        #expect(try create("ann", stdin: "a\u{0}b\n").stderr == "bulkhead: --password-stdin: the password holds a NUL character\n")
        let long = try create("ann", stdin: String(repeating: "x", count: 73) + "\n")
        #expect(long.status == 2 && long.stderr.contains("73 bytes long; bcrypt reads at most 72"))
        #expect(try create("ann", stdin: String(repeating: "x", count: 10_000)).stderr == "bulkhead: the password line is too long\n")
        #expect(try create("ann smith", stdin: "pw\n").status == 2)
        #expect(try Self.run(workspace, ["user", "create", "ann", "--role", "author,boss", "--password-stdin"], stdin: "pw\n").status == 2)
        let created = try create("ann", stdin: "only-the-first-line\r\nsecond\n")
        #expect(created.status == 0 && !created.stdout.contains("only-the") && !created.stderr.contains("only-the"), "never echoed")

        // Authenticating: BULKHEAD_PASSWORD, else a terminal (there is none here), and no tokens yet.
        let noPassword = try Self.run(workspace, ["user", "disable", "ann", "--as", "ann"])
        #expect(noPassword.status == 1)
        #expect(noPassword.stderr == "bulkhead: --as ann: no password: set BULKHEAD_PASSWORD, or run from a terminal to be asked\n")
        let token = try Self.run(workspace, ["user", "disable", "ann", "--as", "ann"], environment: ["BULKHEAD_TOKEN": "t0k"])
        #expect(token.status == 1 && token.stderr.contains("API tokens are not supported yet") && !token.stderr.contains("t0k"))
        let firstLine = try Self.run(
            workspace, ["user", "disable", "ann", "--as", "ann"], environment: ["BULKHEAD_PASSWORD": "only-the-first-line"])
        #expect(firstLine.stderr == "bulkhead: ann is the last enabled admin: create another admin first\n", "the CR LF was not part of it")
        let conflicting = try Self.run(workspace, ["user", "disable", "ann", "--as", "ann", "--actor", "bob"])
        #expect(conflicting.status == 64)
    }

    /// `user list`, compared whole: users written through the store on a fixed clock.
    @Test func userListPrintsExactly() async throws {
        let workspace = try CLIWorkspace()
        #expect(try workspace.run("list", "create", "news").status == 0)  // creates the database
        let clock = ManualClock()  // 2027-01-15T08:00:00Z
        let store = try SQLiteStore(
            path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path, configuration: SQLiteStore.Configuration(clock: clock))
        _ = try await store.createUser(NewUser(name: "ann", roles: [.admin, .author], passwordHash: "$2b$12$hash"), actor: .system)
        clock.advance(by: .seconds(90))
        _ = try await store.createUser(NewUser(name: "bob.long-name_2", roles: [.approver], passwordHash: "$2b$12$hash"), actor: .system)
        _ = try await store.disableUser(named: "bob.long-name_2", actor: .system)
        let listed = try workspace.run("user", "list")
        #expect(listed.status == 0 && listed.stderr.isEmpty)
        #expect(
            listed.stdout == """
                NAME             ROLES         DISABLED  CREATED
                ann              author,admin  no        2027-01-15T08:00:00Z
                bob.long-name_2  approver      yes       2027-01-15T08:01:30Z

                """)
        let json = try workspace.run("user", "list", "--json")
        #expect(
            json.stdout == """
                [
                  {
                    "createdAt" : "2027-01-15T08:00:00Z",
                    "disabled" : false,
                    "name" : "ann",
                    "roles" : [
                      "author",
                      "admin"
                    ]
                  },
                  {
                    "createdAt" : "2027-01-15T08:01:30Z",
                    "disabled" : true,
                    "name" : "bob.long-name_2",
                    "roles" : [
                      "approver"
                    ]
                  }
                ]

                """)
    }
}
