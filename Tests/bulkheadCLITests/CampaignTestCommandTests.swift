import BulkheadStore
import Foundation
import Testing

/// `bulkhead campaign test ID --to ADDRESS…` through the real binary (capture mailbox).
@Suite struct CampaignTestCommandTests {
    /// A test is mail too: nothing goes out while the emergency stop holds, and an address that opted out
    /// (suppressed, or unsubscribed from the campaign's list) never gets one.
    @Test func aTestHonoursTheEmergencyStopAndOptOuts() throws {
        let workspace = try CLIWorkspace.withNewsList()
        try workspace.write("Hello {{first_name}}\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try workspace.run("campaign", "create", "--name", "s", "--list", "news", "--subject", "Offer", "--text", "body.txt").status == 0)
        #expect(try workspace.run("stop", "--all").status == 0)
        let stopped = try workspace.run("campaign", "test", "1", "--to", "me@example.net")
        #expect(stopped.status == 3 && stopped.stderr.contains("an emergency stop is in force"), "\(stopped.stderr)")
        #expect(try workspace.captured().isEmpty)
        #expect(try workspace.run("stop", "--release").status == 0)

        #expect(try workspace.run("suppression", "add", "gone@example.net").status == 0)
        #expect(try workspace.run("subscribers", "unsubscribe", "ada@example.org", "--list", "news", "--source", "phone").status == 0)
        let sent = try workspace.run("campaign", "test", "1", "--to", "Gone@example.net", "ada@example.org", "me@example.net")
        #expect(sent.status == 1)
        #expect(
            sent.stdout.hasPrefix(
                "test message to gone@example.net: failed: not sent: the address is suppressed (manual)\n"
                    + "test message to ada@example.org: failed: not sent: the address unsubscribed from the campaign's list\n"),
            "\(sent.stdout)")
        #expect(try workspace.captured().compactMap { $0["recipient"] as? String } == ["me@example.net"])
    }

    @Test func eachAddressGetsItsOwnTestMessageAndTheLedgerStaysEmpty() async throws {
        let workspace = try CLIWorkspace.withNewsList()
        try workspace.write("Hello {{first_name}}\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(
            try workspace.run(
                "campaign", "create", "--name", "spring", "--list", "news", "--subject", "Offer for {{first_name}}", "--text", "body.txt"
            )
            .status == 0)

        // Three distinct addresses (the domain's case does not make another one).
        let sent = try workspace.run(
            ["campaign", "test", "1", "--to", "ada@example.org", "bob@Example.org", "--to", "bob@example.org", "carl@example.org"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.hasSuffix("3 of 3 test message(s) accepted; the campaign's ledger is unchanged\n"), "\(sent.stdout)")
        let items = try workspace.captured()
        #expect(items.count == 3)
        #expect(Set(items.compactMap { $0["recipient"] as? String }) == ["ada@example.org", "bob@example.org", "carl@example.org"])
        for item in items {
            let id = try #require(item["id"] as? String)
            let shown = try workspace.run("capture", "show", id, "--raw")
            let recipient = try #require(item["recipient"] as? String)
            let to = shown.stdout.split(separator: "\r\n").filter { $0.lowercased().hasPrefix("to:") }
            #expect(to.count == 1 && to[0].contains(recipient) && !to[0].contains(","), "one recipient: \(to)")
            let subject = shown.stdout.split(separator: "\r\n").first { $0.hasPrefix("Subject:") }
            // Ada is a subscriber: her name is used; the others get empty fields.
            #expect(subject == (recipient == "ada@example.org" ? "Subject: [TEST] Offer for Ada" : "Subject: [TEST] Offer for "))
        }

        let store = try SQLiteStore(path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path)
        #expect(try await store.ledgerCounts(campaign: CampaignID(rawValue: 1)).total == 0, "not in the ledger")
        #expect(try await store.campaign(id: CampaignID(rawValue: 1))?.state == .draft)
        let audit = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "1", action: "campaign.test"))
        #expect(audit.count == 1)
        #expect(audit.first?.event.details == ["count": 3, "sent": 3, "transport": "capture"], "the count, not the addresses")

        // 26 distinct addresses are refused before anything is sent.
        let many = (0..<26).map { "t\($0)@example.org" }
        let refused = try workspace.run(["campaign", "test", "1", "--to"] + many)
        #expect(refused.status == 2)
        #expect(
            refused.stderr
                == "bulkhead: 26 addresses: a test goes to at most 25 (guardrails.test_send_max_addresses); send the campaign itself to reach more\n")
        #expect(try workspace.captured().count == 3)
        let bad = try workspace.run("campaign", "test", "1", "--to", "not an address")
        #expect(bad.status == 2 && bad.stderr.contains("is not an address"))
        let none = try workspace.run("campaign", "test", "1")
        #expect(none.status == 2 && none.stderr == "bulkhead: give at least one --to address\n")
        let missing = try workspace.run("campaign", "test", "9", "--to", "ada@example.org")
        #expect(missing.status == 1 && missing.stderr == "bulkhead: no campaign 9\n")
    }

    @Test func theLimitComesFromTheConfiguration() throws {
        let workspace = try CLIWorkspace(extraConfiguration: "guardrails:\n  test_send_max_addresses: 2\n")
        try workspace.write("email\nada@example.org\n", to: "people.csv")
        #expect(try workspace.run("list", "create", "news").status == 0)
        #expect(try workspace.run("subscribers", "import", "people.csv", "--list", "news").status == 0)
        try workspace.write("Hi\n", to: "body.txt")
        #expect(try workspace.run("campaign", "create", "--name", "n", "--list", "news", "--subject", "S", "--text", "body.txt").status == 0)
        #expect(try workspace.run("campaign", "test", "1", "--to", "a@example.org", "b@example.org").status == 0)
        let refused = try workspace.run("campaign", "test", "1", "--to", "a@example.org", "b@example.org", "c@example.org")
        #expect(refused.status == 2 && refused.stderr.contains("at most 2"))
    }
}
