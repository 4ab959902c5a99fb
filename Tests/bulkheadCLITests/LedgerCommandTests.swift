import BulkheadStore
import Foundation
import Testing

@Suite struct LedgerCommandTests {
    /// A list of five confirmed people imported through the CLI and a campaign whose ledger holds one
    /// entry in each of sent, failed, deferred, uncertain and queued, written on a fixed clock: queued
    /// at 2027-01-15T08:00:00.000Z, the four outcomes at 08:00:01.500.
    static func campaignWithOutcomes(in directory: URL) async throws -> CampaignID {
        let csv = directory.appendingPathComponent("people.csv")
        try Data("email\na@example.com\nb@example.com\nc@example.com\nd@example.com\ne@example.com\n".utf8).write(to: csv)
        #expect(try CLIRunner.run(["list", "create", "news"], in: directory).status == 0)
        #expect(try CLIRunner.run(["subscribers", "import", csv.path, "--list", "news"], in: directory).status == 0)

        let clock = ManualClock()
        let store = try SQLiteStore(
            path: directory.appendingPathComponent(".bulkhead/bulkhead.sqlite").path,
            configuration: SQLiteStore.Configuration(clock: clock))
        let list = try #require(try await store.list(named: "news"))
        let campaign = try await store.createCampaign(
            CampaignContent(
                name: "May news", listID: list.id, from: "Shop <news@shop.example>", subjectTemplate: "News",
                textTemplate: "Hello"), actor: .human("test"))
        _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .human("test"))
        #expect(try await store.enqueueRecipients(campaign: campaign.id) == 5)
        clock.advance(by: .milliseconds(1_500))
        let claimed = try await store.claim(campaign: campaign.id, worker: "w1", limit: 4)
        let results: [String: LedgerOutcome.Result] = [
            "a@example.com": .sent(SMTPReplyRecord(code: 250, text: "2.0.0 Ok: queued as 1A2B")),
            "b@example.com": .failed(SMTPReplyRecord(code: 550, text: "5.1.1 <b@example.com>: user unknown, sorry")),
            "c@example.com": .deferred(until: Date().addingTimeInterval(600), SMTPReplyRecord(code: 451, text: "4.7.1 try \"later\"")),
            "d@example.com": .uncertain(nil),
        ]
        #expect(claimed.count == 4)
        let outcomes = claimed.compactMap { entry in results[entry.address.value].map { LedgerOutcome(entry: entry, result: $0) } }
        #expect(try await store.complete(outcomes) == 4)
        return campaign.id
    }

    @Test func csvLedgerSaysWhoGotWhatWhen() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let id = try await Self.campaignWithOutcomes(in: directory)
        let result = try CLIRunner.run(["ledger", String(id.rawValue)], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        // The whole CSV: header, one CRLF-terminated record per recipient in key order, times ISO 8601 UTC.
        #expect(
            result.stdout == """
                address,state,attempts,last_reply_code,last_reply_text,updated_at\r
                a@example.com,sent,1,250,2.0.0 Ok: queued as 1A2B,2027-01-15T08:00:01.500Z\r
                b@example.com,failed,1,550,"5.1.1 <b@example.com>: user unknown, sorry",2027-01-15T08:00:01.500Z\r
                c@example.com,deferred,1,451,"4.7.1 try ""later\"\"\",2027-01-15T08:00:01.500Z\r
                d@example.com,uncertain,1,,,2027-01-15T08:00:01.500Z\r
                e@example.com,queued,0,,,2027-01-15T08:00:00.000Z\r

                """)
    }

    @Test func jsonLedgerIsOneArrayOfOneLineObjects() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let id = try await Self.campaignWithOutcomes(in: directory)
        let result = try CLIRunner.run(["ledger", String(id.rawValue), "--format", "json", "--state", "uncertain,queued"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(
            result.stdout == """
                [
                {"address":"d@example.com","attempts":1,"last_reply_code":null,"last_reply_text":null,"state":"uncertain","updated_at":"2027-01-15T08:00:01.500Z"},
                {"address":"e@example.com","attempts":0,"last_reply_code":null,"last_reply_text":null,"state":"queued","updated_at":"2027-01-15T08:00:00.000Z"}
                ]

                """)
    }

    @Test func jsonAndStateFilter() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let id = try await Self.campaignWithOutcomes(in: directory)
        let result = try CLIRunner.run(
            ["ledger", String(id.rawValue), "--format", "json", "--state", "failed,uncertain", "--state", "sent"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let byAddress = Dictionary(uniqueKeysWithValues: array.map { ($0["address"] as? String ?? "", $0) })
        #expect(byAddress.keys.sorted() == ["a@example.com", "b@example.com", "d@example.com"])
        #expect(byAddress["b@example.com"]?["state"] as? String == "failed")
        #expect(byAddress["b@example.com"]?["last_reply_code"] as? Int == 550)
        #expect(byAddress["d@example.com"]?["last_reply_code"] is NSNull)
        #expect(byAddress["a@example.com"]?["attempts"] as? Int == 1)

        let none = try CLIRunner.run(["ledger", String(id.rawValue), "--format", "json", "--state", "sending"], in: directory)
        #expect(none.status == 0)
        #expect(none.stdout == "[]\n")
    }

    @Test func errors() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let id = try await Self.campaignWithOutcomes(in: directory)
        let badState = try CLIRunner.run(["ledger", String(id.rawValue), "--state", "delivered"], in: directory)
        #expect(badState.status == 1)
        #expect(badState.stderr == "bulkhead: unknown state \"delivered\" (use queued, sending, sent, deferred, failed, uncertain, suppressed)\n")
        let missing = try CLIRunner.run(["ledger", "999"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.stderr == "bulkhead: no campaign 999\n")
    }
}
