import Foundation
import Testing

/// `bulkhead list seeds NAME add|remove|show ADDRESS…` and `bulkhead campaign promote ID`, output
/// compared whole.
@Suite struct ListSeedsCommandTests {
    @Test func seedsAreAddedShownAndRemovedExactly() throws {
        let workspace = try CLIWorkspace.withNewsList()
        let empty = try workspace.run("list", "seeds", "news", "show")
        #expect(empty.status == 0 && empty.stderr.isEmpty)
        #expect(empty.stdout == "news has no seed addresses (add some with: bulkhead list seeds news add ADDRESS…)\n")

        let add = try workspace.run("list", "seeds", "news", "add", "Me@Shop.EXAMPLE", "box@gmail.com", "me@shop.example", "--actor", "ann")
        #expect(add.status == 0 && add.stderr.isEmpty)
        #expect(add.stdout == "added 2 seed address(es) to news\n")
        let again = try workspace.run("list", "seeds", "news", "add", "box@gmail.com", "ada@example.org")
        #expect(again.stdout == "added 1 seed address(es) to news (1 already there)\n")
        let show = try workspace.run("list", "seeds", "news", "show")
        #expect(show.stdout == "ada@example.org\nbox@gmail.com\nme@shop.example\n")

        let remove = try workspace.run("list", "seeds", "news", "remove", "BOX@gmail.com", "nobody@example.com")
        #expect(remove.status == 0)
        #expect(remove.stdout == "removed 1 seed address(es) from news (1 not a seed)\n")
        #expect(try workspace.run("list", "seeds", "news", "show").stdout == "ada@example.org\nme@shop.example\n")

        // A seed is no member: the list's counts do not change.
        #expect(try workspace.run("list", "show", "news").stdout.hasPrefix("news  confirmed 1, unconfirmed 0, unsubscribed 0"))
    }

    @Test func wrongInputEndsWithOneMessage() throws {
        let workspace = try CLIWorkspace.withNewsList()
        let cases: [([String], String)] = [
            (["list", "seeds", "nope", "show"], "bulkhead: no list named \"nope\" (create it with: bulkhead list create nope)\n"),
            (["list", "seeds", "news", "add"], "bulkhead: list seeds add needs at least one ADDRESS\n"),
            (["list", "seeds", "news", "remove"], "bulkhead: list seeds remove needs at least one ADDRESS\n"),
            (["list", "seeds", "news", "show", "a@b.example"], "bulkhead: list seeds show takes no address\n"),
        ]
        for (arguments, message) in cases {
            let result = try workspace.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr == message, "\(arguments)")
            #expect(result.stdout.isEmpty)
        }
        let bad = try workspace.run("list", "seeds", "news", "add", "ok@example.com", "not an address")
        #expect(bad.status == 1 && bad.stderr.hasPrefix("bulkhead: \"not an address\": "))
        #expect(try workspace.run("list", "seeds", "news", "show").stdout.hasPrefix("news has no seed addresses"), "nothing added")
        let verb = try workspace.run("list", "seeds", "news", "list")
        #expect(verb.status != 0 && verb.stderr.contains("add"))

        let many = (0...100).map { "s\($0)@seeds.example" }
        let tooMany = try workspace.run(["list", "seeds", "news", "add"] + many)
        #expect(tooMany.status == 1)
        #expect(tooMany.stderr == "bulkhead: news: a list has at most 100 seed addresses (this would make 101)\n")
    }

    @Test func promoteNeedsACanaryHold() throws {
        let workspace = try CLIWorkspace.withNewsList()
        let missing = try workspace.run("campaign", "promote", "7")
        #expect(missing.status == 1 && missing.stderr == "bulkhead: no campaign 7\n")
        try workspace.write("Hello\n", to: "body.txt")
        #expect(try workspace.run("campaign", "create", "--name", "n", "--list", "news", "--subject", "s", "--text", "body.txt").status == 0)
        let draft = try workspace.run("campaign", "promote", "1")
        #expect(draft.status == 1)
        #expect(draft.stderr == "bulkhead: campaign 1 is draft; only a campaign in canary-hold can be promoted\n")
    }
}
