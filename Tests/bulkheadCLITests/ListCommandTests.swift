import Foundation
import Testing

@Suite struct ListCommandTests {
    @Test func createAndShowLists() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let empty = try CLIRunner.run(["list", "show"], in: directory)
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("no lists"))

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
        #expect(missing.stderr.contains("no list named \"nope\""))
    }

    @Test func everyNewCommandHasHelpWithAnExample() throws {
        let commands = [["list", "create"], ["list", "show"], ["subscribers", "import"], ["subscribers", "export"],
                        ["subscribers", "show"], ["ledger"], ["config", "check"], ["capture", "list"], ["capture", "show"]]
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
        #expect(result.stderr.hasPrefix("bulkhead: bulkhead.yaml: cannot read the configuration: "))
    }
}
