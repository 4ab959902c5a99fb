import BulkheadStore
import Foundation
import Testing

/// A first campaign through the real binary on the embedded default (SQLite + capture mailbox).
@Suite struct CampaignCommandTests {
    @Test func createSendShowScheduleAndStateErrors() throws {
        let workspace = try CLIWorkspace()
        let directory = workspace.directory
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result { try workspace.run(arguments) }
        try Data("email,name\nada@example.org,Ada Lovelace\nADA@Example.org,Ada again\ngrace@example.org,Grace Hopper\n".utf8)
            .write(to: directory.appendingPathComponent("people.csv"))
        try Data("Hello {{first_name}}\n{{unsubscribe_url}}\n".utf8).write(to: directory.appendingPathComponent("body.txt"))
        #expect(try bulkhead("list", "create", "news").status == 0)
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "news").stdout.contains("1 duplicates"))

        let bad = try bulkhead("campaign", "create", "--name", "x", "--list", "news", "--subject", "Hi {{#name}", "--text", "body.txt")
        #expect(bad.status == 1 && bad.stderr.contains("template"), "a broken template is refused before it is stored")

        let created = try bulkhead(
            "campaign", "create", "--name", "spring", "--list", "news", "--subject", "Hi {{first_name}}",
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
        let justDue = Date().addingTimeInterval(-10).formatted(.iso8601)
        #expect(try bulkhead("campaign", "schedule", "\(laterID)", "--at", justDue).status == 0)
        let served = try bulkhead("serve", "--once")
        #expect(served.status == 0, "\(served.stderr)")
        #expect(try bulkhead("campaign", "show", "\(laterID)").stdout.contains("state: sent"), "serve sends a due scheduled campaign")
        let ledger = try bulkhead("ledger", "\(laterID)", "--format", "json")
        #expect(ledger.stdout.contains("grace@example.org"))

        // Rule 7: a schedule found more than guardrails.overdue_schedule_seconds late (the machine was
        // down) is not started; it waits, paused, for a person's resume.
        #expect(try bulkhead("campaign", "create", "--name", "old", "--list", "news", "--subject", "Old", "--text", "body.txt").status == 0)
        let oldID = laterID + 1
        #expect(try bulkhead("campaign", "schedule", "\(oldID)", "--at", "2020-01-01T00:00:00Z").status == 0)
        let overdue = try bulkhead("serve", "--once")
        #expect(overdue.status == 0 && overdue.stderr.contains("paused, reason overdue"), "\(overdue.stderr)")
        let paused = try bulkhead("campaign", "show", "\(oldID)").stdout
        #expect(paused.contains("state: paused\n  paused: overdue (was scheduled)\n"), "\(paused)")
        #expect(try workspace.captured().count == 4, "nothing of the overdue campaign was sent")
        let resumed = try bulkhead("campaign", "resume", "\(oldID)")
        #expect(resumed.status == 0 && resumed.stdout.contains("campaign \(oldID) sent"), "\(resumed.stderr)")
        #expect(try workspace.captured().count == 6)
    }

    /// `campaign show`, as text and as JSON, compared whole: the campaigns, their ledgers and audit
    /// trails are written through the store on a fixed clock, the members imported through the CLI.
    @Test func campaignShowPrintsExactly() async throws {
        let workspace = try CLIWorkspace()
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result { try workspace.run(arguments) }
        let none = try bulkhead("campaign", "show")
        #expect(none.status == 0 && none.stderr.isEmpty)
        #expect(none.stdout == "no campaigns (bulkhead campaign create --help)\n")
        #expect(try bulkhead("list", "create", "news").status == 0)
        try workspace.write("email\nada@example.org\ngrace@example.org\nkim@example.org\n", to: "people.csv")
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "news").status == 0)

        let clock = ManualClock()  // 2027-01-15T08:00:00Z
        let store = try SQLiteStore(
            path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path,
            configuration: SQLiteStore.Configuration(clock: clock))
        let news = try #require(try await store.list(named: "news"))
        let campaign = try await store.createCampaign(
            CampaignContent(
                name: "May news", listID: news.id, from: "Shop <news@shop.example>", subjectTemplate: "News for {{first_name}}",
                textTemplate: "Hello", attachments: [AttachmentReference(path: "/srv/prices.pdf", sha256: String(repeating: "0", count: 64))]),
            actor: .human("ann"))
        clock.advance(by: .seconds(60))
        _ = try await store.transition(
            campaign.id, from: [.draft], to: .sending, actor: .human("ann"),
            details: ["queued_now": .number(3), "transport": .string("capture")])
        #expect(try await store.enqueueRecipients(campaign: campaign.id) == 3)
        let claimed = try await store.claim(campaign: campaign.id, worker: "w1", limit: 2)
        let results: [LedgerOutcome.Result] = [
            .sent(SMTPReplyRecord(code: 250, text: "2.0.0 Ok")),
            .failed(SMTPReplyRecord(code: 550, text: "5.1.1 user unknown")),
        ]
        #expect(try await store.complete(zip(claimed, results).map { LedgerOutcome(entry: $0, result: $1) }) == 2)
        clock.advance(by: .seconds(240))
        _ = try await store.transition(
            campaign.id, from: [.sending], to: .paused, actor: .human("bob"),
            details: ["reason": .string("wrong list")])
        clock.advance(by: .seconds(60))
        _ = try await store.createCampaign(
            CampaignContent(
                name: "Later", listID: news.id, from: "Shop <news@shop.example>",
                subjectTemplate: "Later", textTemplate: "Hi"), actor: .human("ann"))

        let text = try bulkhead("campaign", "show", "1")
        #expect(text.status == 0 && text.stderr.isEmpty, "\(text.stderr)")
        #expect(
            text.stdout == """
                campaign 1: May news
                  state: paused
                  paused: wrong list (was sending)
                  list: 1
                  from: Shop <news@shop.example>
                  subject: News for {{first_name}}
                  attachments: /srv/prices.pdf
                  ledger: 3 recipients: queued 1, sending 0, sent 1, deferred 0, failed 1, uncertain 0, suppressed 0
                  audit:
                    2027-01-15T08:00:00Z ann campaign.create name=May news
                    2027-01-15T08:01:00Z ann campaign.transition from=draft queued_now=3 to=sending transport=capture
                    2027-01-15T08:05:00Z bob campaign.transition from=sending reason=wrong list to=paused

                """)

        let all = try bulkhead("campaign", "show")
        #expect(all.status == 0 && all.stderr.isEmpty)
        #expect(
            all.stdout == """
                campaign 2: Later
                  state: draft
                  list: 1
                  from: Shop <news@shop.example>
                  subject: Later
                  ledger: 0 recipients: queued 0, sending 0, sent 0, deferred 0, failed 0, uncertain 0, suppressed 0
                campaign 1: May news
                  state: paused
                  paused: wrong list (was sending)
                  list: 1
                  from: Shop <news@shop.example>
                  subject: News for {{first_name}}
                  attachments: /srv/prices.pdf
                  ledger: 3 recipients: queued 1, sending 0, sent 1, deferred 0, failed 1, uncertain 0, suppressed 0

                """)

        let json = try bulkhead("campaign", "show", "1", "--json")
        #expect(json.status == 0 && json.stderr.isEmpty)
        #expect(
            json.stdout == """
                {
                  "attachments" : [
                    "/srv/prices.pdf"
                  ],
                  "audit" : [
                    {
                      "action" : "campaign.create",
                      "actor" : "ann",
                      "at" : "2027-01-15T08:00:00Z",
                      "details" : {
                        "name" : "May news"
                      }
                    },
                    {
                      "action" : "campaign.transition",
                      "actor" : "ann",
                      "at" : "2027-01-15T08:01:00Z",
                      "details" : {
                        "from" : "draft",
                        "queued_now" : 3,
                        "to" : "sending",
                        "transport" : "capture"
                      }
                    },
                    {
                      "action" : "campaign.transition",
                      "actor" : "bob",
                      "at" : "2027-01-15T08:05:00Z",
                      "details" : {
                        "from" : "sending",
                        "reason" : "wrong list",
                        "to" : "paused"
                      }
                    }
                  ],
                  "author" : "ann",
                  "createdAt" : "2027-01-15T08:00:00Z",
                  "from" : "Shop <news@shop.example>",
                  "id" : 1,
                  "ledger" : {
                    "deferred" : 0,
                    "failed" : 1,
                    "queued" : 1,
                    "sending" : 0,
                    "sent" : 1,
                    "suppressed" : 0,
                    "uncertain" : 0
                  },
                  "listID" : 1,
                  "name" : "May news",
                  "pauseReason" : "wrong list",
                  "pausedFrom" : "sending",
                  "state" : "paused",
                  "subject" : "News for {{first_name}}",
                  "updatedAt" : "2027-01-15T08:05:00Z"
                }

                """)
    }

    /// A campaign can sign with a named key of `dkim_keys`; one without a name uses `dkim`; an unknown
    /// name is refused before anything is stored.
    @Test func campaignsSignWithTheirNamedDKIMKey() throws {
        let workspace = try CLIWorkspace(
            extraConfiguration: """
                dkim:
                  domain: shop.example
                  selector: s1
                  private_key_file: keys/s1.private.pem
                dkim_keys:
                  brand:
                    domain: brand.example
                    selector: b1
                    private_key_file: keys/b1.private.pem

                """)
        let directory = workspace.directory
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result { try workspace.run(arguments) }
        let keys = directory.appendingPathComponent("data/keys").path
        #expect(
            try CLIRunner.run(["dkim", "keygen", "--algorithm", "ed25519", "--domain", "shop.example", "--selector", "s1", "--out", keys]).status == 0
        )
        #expect(
            try CLIRunner.run(["dkim", "keygen", "--algorithm", "ed25519", "--domain", "brand.example", "--selector", "b1", "--out", keys]).status
                == 0)
        try workspace.write("email\nada@example.org\n", to: "people.csv")
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try bulkhead("list", "create", "news").status == 0)
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "news").status == 0)

        let unknown = try bulkhead(
            "campaign", "create", "--name", "x", "--list", "news", "--subject", "S", "--text", "body.txt",
            "--dkim-key", "nope")
        #expect(unknown.status == 1 && unknown.stderr.contains("nope") && unknown.stderr.contains("brand"))

        for (key, domain, selector) in [("brand", "brand.example", "b1"), (nil, "shop.example", "s1")] as [(String?, String, String)] {
            let arguments =
                ["campaign", "create", "--name", "c", "--list", "news", "--subject", "S", "--text", "body.txt", "--json"]
                + (key.map { ["--dkim-key", $0] } ?? [])
            let made = try workspace.run(arguments)
            let id = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["id"] as? Int)
            let sent = try bulkhead("campaign", "send", "\(id)")
            #expect(sent.status == 0, "\(sent.stderr)")
            let capture = try bulkhead("capture", "list", "--json", "--limit", "1")
            let newest = try #require(
                (try JSONSerialization.jsonObject(with: Data(capture.stdout.utf8)) as? [[String: Any]])?.first?["id"] as? String)
            let message = try bulkhead("capture", "show", newest, "--raw")
            #expect(message.stdout.contains("d=\(domain);") && message.stdout.contains("s=\(selector);"), "\(message.stdout.prefix(600))")
            let file = directory.appendingPathComponent("\(selector)-\(id).eml")
            try Data(message.stdout.utf8).write(to: file)
            let verified = try CLIRunner.run(["dkim", "verify", file.path, "--dns-record", keys + "/\(selector).dns.txt"])
            #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        }
    }
}

/// An operator's block keeps an address out of every later campaign; lifting it lets it back in.
@Suite struct SuppressionCommandTests {
    @Test func suppressedAddressesAreNotQueued() throws {
        let workspace = try CLIWorkspace()
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result { try workspace.run(arguments) }
        try workspace.write("email\nada@example.org\ngrace@example.org\n", to: "people.csv")
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try bulkhead("list", "create", "news").status == 0)
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "news").status == 0)

        let added = try bulkhead("suppression", "add", "Ada@Example.org", "--note", "asked by phone", "--actor", "support")
        #expect(added.status == 0 && added.stdout.contains("suppressed ada@example.org (manual)"), "\(added.stdout)\(added.stderr)")
        #expect(try bulkhead("suppression", "add", "ada@example.org").stdout.contains("already suppressed"))
        #expect(try bulkhead("suppression", "add", "not an address").status == 1)
        #expect(try bulkhead("suppression", "add", "x@example.org", "--reason", "whim").status == 2)
        let listed = try bulkhead("suppression", "list", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?["address"] as? String == "ada@example.org" && rows.first?["note"] as? String == "asked by phone")
        #expect(try bulkhead("subscribers", "show", "ada@example.org").stdout.contains("manual"))

        func send() throws -> Set<String> {
            let made = try bulkhead("campaign", "create", "--name", "c", "--list", "news", "--subject", "S", "--text", "body.txt", "--json")
            let id = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["id"] as? Int)
            #expect(try bulkhead("campaign", "send", "\(id)").status == 0)
            let ledger = try bulkhead("ledger", "\(id)", "--format", "json")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(ledger.stdout.utf8)) as? [[String: Any]])
            return Set(entries.compactMap { $0["address"] as? String })
        }
        #expect(try send() == ["grace@example.org"], "a suppressed address is never queued")
        #expect(try bulkhead("suppression", "remove", "ada@example.org").status == 0)
        #expect(try bulkhead("suppression", "remove", "ada@example.org").status == 1)
        #expect(try send() == ["ada@example.org", "grace@example.org"])

        // Leaving one list by request: consent withdrawn, never re-subscribed by an import.
        let left = try bulkhead("subscribers", "unsubscribe", "grace@example.org", "--list", "news", "--source", "phone call 4411")
        #expect(left.status == 0 && left.stdout.contains("unsubscribed from news"), "\(left.stdout)\(left.stderr)")
        #expect(try bulkhead("subscribers", "unsubscribe", "grace@example.org", "--list", "news", "--source", "x").stdout.contains("already"))
        // An address nobody imported yet: recorded all the same (review of 2026-12-05), so an import keeps it off.
        let early = try bulkhead("subscribers", "unsubscribe", "Nobody@Example.org", "--list", "news", "--source", "letter")
        #expect(
            early.status == 0 && early.stdout == "nobody@example.org was not on news: recorded as unsubscribed, so no import adds them\n",
            "\(early.stdout)\(early.stderr)")
        #expect(try bulkhead("subscribers", "unsubscribe", "ada@example.org", "--list", "nope", "--source", "x").status == 1)
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "news").status == 0)
        let shown = try bulkhead("subscribers", "show", "grace@example.org", "--json").stdout
        #expect(shown.contains("withdrawn") && shown.contains("phone call 4411"))
        #expect(try send() == ["ada@example.org"])
        try workspace.write("email,name\nnobody@example.org,No Body\n", to: "late.csv")
        #expect(try bulkhead("subscribers", "import", "late.csv", "--list", "news").status == 0)
        #expect(try send() == ["ada@example.org"], "the early opt-out holds after the import")
    }
}
