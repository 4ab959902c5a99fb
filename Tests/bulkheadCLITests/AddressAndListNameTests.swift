import Foundation
import Testing

/// Issue 7 through the binary: one mailbox is one subscriber whose mail goes to that mailbox only
/// (item 1); a non-ASCII list name sends, and a rename keeps the List-Id identifier (item 9).
@Suite struct AddressAndListNameTests {
    @Test func aQuotedLocalPartIsItsOwnMailboxAndIDNSpellingsAreOnePerson() throws {
        let workspace = try CLIWorkspace()
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result { try workspace.run(arguments) }
        // The review's CSV: the quoted local part's parentheses are literal; victim@ opted out.
        try workspace.write(
            """
            email,name
            \"\"\"victim(x)\"\"@example.com\",Quoted
            victim@example.com,Victim
            bob@bücher.de,Bob
            BOB@xn--bcher-kva.de,Bob again

            """, to: "people.csv")
        try workspace.write("Hello {{first_name}}\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try bulkhead("list", "create", "news").status == 0)
        let imported = try bulkhead("subscribers", "import", "people.csv", "--list", "news")
        #expect(imported.status == 0 && imported.stdout.contains("1 duplicates"), "\(imported.stdout)")
        #expect(try bulkhead("suppression", "add", "Victim@Example.com").status == 0)
        #expect(try bulkhead("subscribers", "unsubscribe", "bob@BÜCHER.de", "--list", "news", "--source", "letter").status == 0)

        let shown = try bulkhead("subscribers", "show", "bob@xn--bcher-kva.de", "--json")
        #expect(shown.status == 0 && shown.stdout.contains("unsubscribed"), "one person whatever the spelling: \(shown.stdout)")

        #expect(try bulkhead("campaign", "create", "--name", "c", "--list", "news", "--subject", "Hi", "--text", "body.txt").status == 0)
        let sent = try bulkhead("campaign", "send", "1")
        #expect(sent.status == 0, "\(sent.stderr)")
        let capture = try bulkhead("capture", "list", "--json")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(capture.stdout.utf8)) as? [[String: Any]])
        #expect(
            items.compactMap { $0["recipient"] as? String } == ["\"victim(x)\"@example.com"],
            "only the quoted mailbox; never victim@ (suppressed) nor bob (unsubscribed)")
        let ledger = try bulkhead("ledger", "1")
        #expect(ledger.stdout.contains("\"\"\"victim(x)\"\"@example.com\",sent"), "\(ledger.stdout)")
    }

    @Test func aNonASCIIListNameSendsAndARenameKeepsTheListID() throws {
        let workspace = try CLIWorkspace()
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result { try workspace.run(arguments) }
        try workspace.write("email\nann@example.org\n", to: "people.csv")
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try bulkhead("list", "create", "Café news").status == 0)
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "Café news").status == 0)
        #expect(try bulkhead("campaign", "create", "--name", "c", "--list", "Café news", "--subject", "Hi", "--text", "body.txt").status == 0)
        let sent = try bulkhead("campaign", "send", "1")
        #expect(sent.status == 0 && sent.stdout.contains("campaign 1 sent"), "\(sent.stdout)\(sent.stderr)")
        let first = try bulkhead("capture", "show", try Self.capturedIDs(workspace)[0], "--raw")
        #expect(first.stdout.contains("List-Id: =?UTF-8?Q?Caf=C3=A9_news?= <caf-news.shop.example>"), "\(first.stdout.prefix(1500))")

        let renamed = try bulkhead("list", "rename", "Café news", "Shop news")
        #expect(renamed.status == 0)
        #expect(renamed.stdout == "renamed list Café news to Shop news (id 1, List-Id label caf-news kept)\n")
        #expect(try bulkhead("list", "rename", "nope", "x").status == 1)
        #expect(try bulkhead("list", "create", "other").status == 0)
        let taken = try bulkhead("list", "rename", "other", "Shop news")
        #expect(taken.status == 1 && taken.stderr == "bulkhead: a list named \"Shop news\" already exists\n")

        #expect(try bulkhead("campaign", "create", "--name", "d", "--list", "Shop news", "--subject", "Hi", "--text", "body.txt").status == 0)
        #expect(try bulkhead("campaign", "send", "2").status == 0)
        let ids = try Self.capturedIDs(workspace)
        #expect(ids.count == 2)
        let second = try bulkhead("capture", "show", try #require(ids.last), "--raw")
        #expect(second.stdout.contains("List-Id: Shop news <caf-news.shop.example>"), "the identifier is permanent (RFC 2919)")
    }

    /// The capture mailbox's message ids, oldest first.
    static func capturedIDs(_ workspace: CLIWorkspace) throws -> [String] {
        let listed = try workspace.run("capture", "list", "--json")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        return items.compactMap { $0["id"] as? String }.sorted()
    }
}
