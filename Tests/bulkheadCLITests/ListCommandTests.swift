import BulkheadStore
import Foundation
import Testing

@Suite struct ListCommandTests {
    @Test func createAndShowLists() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let empty = try CLIRunner.run(["list", "show"], in: directory)
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout == "no lists (create one with: bulkhead list create NAME)\n")

        let create = try CLIRunner.run(["list", "create", "news", "--description", "Monthly news"], in: directory)
        #expect(create.status == 0, "\(create.stderr)")
        #expect(create.stdout.hasPrefix("created list news (id "))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".bulkhead/bulkhead.sqlite").path))

        let again = try CLIRunner.run(["list", "create", "news"], in: directory)
        #expect(again.status == 1)
        #expect(again.stderr == "bulkhead: a list named \"news\" already exists\n")

        #expect(try CLIRunner.run(["list", "create", "alerts"], in: directory).status == 0)
        let csv = directory.appendingPathComponent("people.csv")
        try Data("email,status\na@example.com,\nb@example.com,pending\nc@example.com,unsubscribed\nd@example.com,\n".utf8).write(to: csv)
        #expect(try CLIRunner.run(["subscribers", "import", csv.path, "--list", "news"], in: directory).status == 0)

        let show = try CLIRunner.run(["list", "show"], in: directory)
        #expect(show.status == 0)
        let lines = show.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("alerts  confirmed 0, unconfirmed 0, unsubscribed 0"))
        #expect(lines[1].hasPrefix("news  confirmed 2, unconfirmed 1, unsubscribed 1"))
        #expect(lines[2] == "  Monthly news")

        let one = try CLIRunner.run(["list", "show", "news", "--json"], in: directory)
        #expect(one.status == 0)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        #expect(array.first?["name"] as? String == "news")
        #expect(array.first?["confirmed"] as? Int == 2)
        #expect(array.first?["unconfirmed"] as? Int == 1)
        #expect(array.first?["unsubscribed"] as? Int == 1)

        let missing = try CLIRunner.run(["list", "show", "nope"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.stderr == "bulkhead: no list named \"nope\" (create it with: bulkhead list create nope)\n")
        #expect(missing.stdout.isEmpty)
    }

    /// `list show`, as text and as JSON, compared whole: the lists are made through the store on a
    /// fixed clock (so their creation times are known), their members imported through the CLI.
    @Test func listShowPrintsExactly() async throws {
        let workspace = try CLIWorkspace()
        #expect(try workspace.run("list", "show").stdout == "no lists (create one with: bulkhead list create NAME)\n")
        let clock = ManualClock()  // 2027-01-15T08:00:00Z
        let store = try SQLiteStore(
            path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path,
            configuration: SQLiteStore.Configuration(clock: clock))
        _ = try await store.createList(name: "news", description: "Monthly news")
        clock.advance(by: .milliseconds(90_250))
        _ = try await store.createList(name: "alerts", description: "")
        try workspace.write("email,status\na@example.com,\nb@example.com,pending\nc@example.com,unsubscribed\nd@example.com,\n", to: "people.csv")
        #expect(try workspace.run("subscribers", "import", "people.csv", "--list", "news").status == 0)

        let text = try workspace.run("list", "show")
        #expect(text.status == 0)
        #expect(text.stderr.isEmpty)
        #expect(
            text.stdout == """
                alerts  confirmed 0, unconfirmed 0, unsubscribed 0  (id 2, created 2027-01-15T08:01:30.250Z)
                news  confirmed 2, unconfirmed 1, unsubscribed 1  (id 1, created 2027-01-15T08:00:00.000Z)
                  Monthly news

                """)

        let one = try workspace.run("list", "show", "news", "--json")
        #expect(one.status == 0)
        #expect(one.stderr.isEmpty)
        #expect(
            one.stdout == """
                [
                  {
                    "confirmed" : 2,
                    "createdAt" : "2027-01-15T08:00:00.000Z",
                    "description" : "Monthly news",
                    "id" : 1,
                    "name" : "news",
                    "unconfirmed" : 1,
                    "unsubscribed" : 1
                  }
                ]

                """)
        let all = try workspace.run("list", "show", "--json")
        #expect(all.status == 0)
        #expect(
            all.stdout == """
                [
                  {
                    "confirmed" : 0,
                    "createdAt" : "2027-01-15T08:01:30.250Z",
                    "description" : "",
                    "id" : 2,
                    "name" : "alerts",
                    "unconfirmed" : 0,
                    "unsubscribed" : 0
                  },
                  {
                    "confirmed" : 2,
                    "createdAt" : "2027-01-15T08:00:00.000Z",
                    "description" : "Monthly news",
                    "id" : 1,
                    "name" : "news",
                    "unconfirmed" : 1,
                    "unsubscribed" : 1
                  }
                ]

                """)
    }

    @Test func everyNewCommandHasHelpWithAnExample() throws {
        let commands = [
            ["list", "create"], ["list", "show"], ["subscribers", "import"], ["subscribers", "export"],
            ["subscribers", "show"], ["ledger"], ["config", "check"], ["capture", "list"], ["capture", "show"],
        ]
        for command in commands {
            let help = try CLIRunner.run(["help"] + command)
            #expect(help.status == 0, "help \(command)")
            #expect(help.stdout.contains("Example"), "help for \(command) has an example")
            #expect(help.stdout.contains("--config"), "\(command) takes --config")
        }
    }

    @Test func aBadConfigurationStopsStoreCommands() throws {
        let directory = try CLIRunner.temporaryDirectory()
        try Data("storage:\n  backend: oracle\n".utf8).write(to: directory.appendingPathComponent("bulkhead.yaml"))
        let result = try CLIRunner.run(["list", "show"], in: directory)
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "bulkhead: bulkhead.yaml: cannot read the configuration: storage.backend: Cannot initialize Backend from invalid String value oracle\n"
        )
        #expect(result.stdout.isEmpty)
    }
}
