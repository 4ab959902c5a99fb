import Foundation
import Testing

/// A first campaign through the real binary on the embedded default (SQLite + capture mailbox).
@Suite struct CampaignCommandTests {
    @Test func createSendShowScheduleAndStateErrors() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let config = directory.appendingPathComponent("bulkhead.yaml")
        try Data("data_directory: \(directory.path)/data\nidentity:\n  from: \"Shop <news@shop.example>\"\n  unsubscribe_base_url: https://shop.example\n".utf8)
            .write(to: config)
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result {
            try CLIRunner.run(arguments + ["--config", config.path], in: directory)
        }
        try Data("email,name\nada@example.org,Ada Lovelace\nADA@Example.org,Ada again\ngrace@example.org,Grace Hopper\n".utf8)
            .write(to: directory.appendingPathComponent("people.csv"))
        try Data("Hello {{first_name}}\n{{unsubscribe_url}}\n".utf8).write(to: directory.appendingPathComponent("body.txt"))
        #expect(try bulkhead("list", "create", "news").status == 0)
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "news").stdout.contains("1 duplicates"))

        let bad = try bulkhead("campaign", "create", "--name", "x", "--list", "news", "--subject", "Hi {{#name}", "--text", "body.txt")
        #expect(bad.status == 1 && bad.stderr.contains("template"), "a broken template is refused before it is stored")

        let created = try bulkhead("campaign", "create", "--name", "spring", "--list", "news", "--subject", "Hi {{first_name}}",
                                   "--text", "body.txt", "--json")
        #expect(created.status == 0)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["id"] as? Int)

        let sent = try bulkhead("campaign", "send", "\(id)")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("campaign \(id) sent"))
        let capture = try bulkhead("capture", "list", "--json")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(capture.stdout.utf8)) as? [[String: Any]])
        #expect(Set(items.compactMap { $0["recipient"] as? String }) == ["ada@example.org", "grace@example.org"], "one message each, nobody twice")

        let shown = try bulkhead("campaign", "show", "\(id)")
        #expect(shown.stdout.contains("state: sent") && shown.stdout.contains("sent 2"))
        #expect(shown.stdout.contains("campaign.transition"))
        let abort = try bulkhead("campaign", "abort", "\(id)")
        #expect(abort.status == 1 && abort.stderr.contains("sent"), "a sent campaign cannot be aborted")

        let later = try bulkhead("campaign", "create", "--name", "later", "--list", "news", "--subject", "Later", "--text", "body.txt")
        #expect(later.status == 0)
        let laterID = id + 1
        #expect(try bulkhead("campaign", "schedule", "\(laterID)", "--at", "not a time").status == 2)
        #expect(try bulkhead("campaign", "schedule", "\(laterID)", "--at", "2020-01-01T00:00:00Z").status == 0)
        let served = try bulkhead("serve", "--once")
        #expect(served.status == 0, "\(served.stderr)")
        #expect(try bulkhead("campaign", "show", "\(laterID)").stdout.contains("state: sent"), "serve sends a due scheduled campaign")
        let ledger = try bulkhead("ledger", "\(laterID)", "--format", "json")
        #expect(ledger.stdout.contains("grace@example.org"))
    }
}
