import BulkheadStore
import Foundation
import Testing

/// `bulkhead incident report` and `follow-up` through the real binary, compared whole. The campaign's
/// history is written through the store on a fixed clock; the report's own time is normalised.
@Suite struct IncidentCommandTests {
    /// news: ada (delivered), grace (failed), kim (queued when aborted), uma (unconfirmed: excluded).
    /// Created by ann at 08:00, approved by bob at 08:00:30, sent by ann at 08:01, aborted at 08:04.
    static func abortedCampaign() async throws -> CLIWorkspace {
        let workspace = try CLIWorkspace()
        #expect(try workspace.run("list", "create", "news").status == 0)
        try workspace.write("email,name\nada@example.org,Ada Lovelace\ngrace@example.org,Grace Hopper\nkim@example.org,\n", to: "people.csv")
        #expect(try workspace.run("subscribers", "import", "people.csv", "--list", "news").status == 0)
        let clock = ManualClock()  // 2027-01-15T08:00:00Z
        let store = try SQLiteStore(
            path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path, configuration: SQLiteStore.Configuration(clock: clock))
        let news = try #require(try await store.list(named: "news"))
        let uma = try await store.upsertSubscriber(address: try NormalizedAddress("uma@example.org"), name: nil, attributes: [:])
        _ = try await store.setMembership(
            list: news.id, subscriber: uma.id, status: .unconfirmed,
            consent: ConsentEvidence(kind: .given, at: clock.date, method: .form, source: "test"))
        let campaign = try await store.createCampaign(
            CampaignContent(
                name: "May <news>", listID: news.id, from: "Shop <news@shop.example>", subjectTemplate: "News for {{first_name}} | <b>",
                textTemplate: "Hello {{first_name}}\n{{unsubscribe_url}}\n"),
            actor: .human("ann"))
        clock.advance(by: .seconds(30))
        try await store.appendAudit(
            NewAuditEvent(actor: .human("bob"), action: "campaign.approve", subjectKind: "campaign", subjectID: "1", details: ["note": "ok"]))
        clock.advance(by: .seconds(30))
        _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .human("ann"), details: ["transport": "capture"])
        #expect(try await store.enqueueRecipients(campaign: campaign.id) == 3)
        let claimed = try await store.claim(campaign: campaign.id, worker: "w1", limit: 3)
        try await store.complete([
            LedgerOutcome(entry: claimed[0], result: .sent(SMTPReplyRecord(code: 250, text: "2.0.0 Ok"))),
            LedgerOutcome(entry: claimed[1], result: .failed(SMTPReplyRecord(code: 550, text: "5.1.1 user unknown"))),
        ])
        try await store.release([claimed[2]])
        clock.advance(by: .seconds(180))
        _ = try await store.transition(campaign.id, from: [.sending], to: .aborted, actor: .human("ann"), details: ["reason": "wrong list"])
        return workspace
    }

    static func normalised(_ text: String) -> String {
        text.replacingOccurrences(of: #"Generated \S+Z;"#, with: "Generated NOW;", options: .regularExpression)
            .replacingOccurrences(of: #""generated_at" : "[^"]+""#, with: #""generated_at" : "NOW""#, options: .regularExpression)
    }

    @Test func markdownReportPrintsExactly() async throws {
        let workspace = try await Self.abortedCampaign()
        let result = try workspace.run("incident", "report", "1")
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        #expect(Self.normalised(result.stdout) == Self.expectedMarkdown)
    }

    @Test func jsonReportPrintsExactly() async throws {
        let workspace = try await Self.abortedCampaign()
        let result = try workspace.run("incident", "report", "1", "--format", "json")
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        #expect(Self.normalised(result.stdout) == Self.expectedJSON)
    }

    @Test func filesArePrivateAndTheCSVIsSafe() async throws {
        let workspace = try await Self.abortedCampaign()
        let result = try workspace.run(
            ["incident", "report", "1", "--format", "html", "--output", "report.html", "--recipients", "people-out.csv"], umask: "000")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        for name in ["report.html", "people-out.csv"] {
            let mode = try FileManager.default.attributesOfItem(atPath: workspace.directory.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        let csv = try String(contentsOf: workspace.directory.appendingPathComponent("people-out.csv"), encoding: .utf8)
        #expect(
            csv == """
                address,outcome,at\r
                ada@example.org,delivered,2027-01-15T08:01:00.000Z\r
                grace@example.org,failed,2027-01-15T08:01:00.000Z\r
                kim@example.org,not-sent,2027-01-15T08:01:00.000Z\r

                """)
        let html = try String(contentsOf: workspace.directory.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("May &lt;news&gt;") && !html.contains("<news>") && !html.contains("<b>"))
        #expect(html.contains("<svg"))

        let missing = try workspace.run("incident", "report", "9")
        #expect(missing.status == 1 && missing.stderr == "bulkhead: no campaign 9\n")
    }

    @Test func followUpRefusesARunningCampaignAndSendsNothingTwice() async throws {
        let workspace = try await Self.abortedCampaign()
        try workspace.write("Sorry, {{first_name}}.\n", to: "sorry.txt")
        let first = try workspace.run("incident", "follow-up", "1", "--subject", "Sorry", "--text", "sorry.txt")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("campaign 2 created: follow-up to campaign 1 for 1 recipient(s)"), "\(first.stderr)")
        #expect(first.stdout.contains("campaign 2 sent"))
        let captured = try workspace.captured()
        #expect(captured.map { $0["recipient"] as? String } == ["ada@example.org"], "only the one who received it")
        let store = try SQLiteStore(path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path)
        let followUp = try #require(try await store.campaign(id: CampaignID(rawValue: 2)))
        #expect(followUp.content.kind.rawValue == "transactional" && followUp.content.followUpOf == CampaignID(rawValue: 1))
        #expect(followUp.content.from == "Shop <news@shop.example>")

        let second = try workspace.run("incident", "follow-up", "1", "--subject", "Sorry", "--text", "sorry.txt")
        #expect(second.status == 0)
        #expect(second.stdout == "nothing to send for campaign 1: 1 received it or may have, 0 opted out since, 1 already had a follow-up\n")
        #expect(try workspace.captured().count == 1)

        let wrongCount = try workspace.run("incident", "follow-up", "2", "--subject", "S", "--text", "sorry.txt", "--confirm", "5")
        #expect(wrongCount.status == 3, "\(wrongCount.stderr)")
        #expect(wrongCount.stderr.contains("--confirm 5, but the follow-up goes to 1"))
    }
}

extension IncidentCommandTests {
    static let expectedMarkdown = """
        """

    static let expectedJSON = """
        """
}
