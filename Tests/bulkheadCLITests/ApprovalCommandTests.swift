import BulkheadStore
import Foundation
import Testing

/// Four eyes through the real binary: the author cannot approve their own campaign; another approver
/// can; editing the subject voids it, and so does an audience that grew by 10 % or more.
@Suite struct ApprovalCommandTests {
    static let passwords = ["ann": "ann-pw", "bob": "bob-pw", "cat": "cat-pw"]

    /// `bulkhead ARGUMENTS`, as `user` (with `--as` and the password) when given.
    static func run(_ workspace: CLIWorkspace, _ arguments: [String], as user: String? = nil, stdin: String? = nil) throws -> CLIRunner.Result {
        guard let user else { return try workspace.run(arguments, input: stdin.map { Data($0.utf8) }) }
        return try workspace.run(
            arguments + ["--as", user], input: stdin.map { Data($0.utf8) }, environment: ["BULKHEAD_PASSWORD": passwords[user] ?? ""])
    }

    static func people(_ range: Range<Int>) -> String {
        "email\n" + range.map { "p\($0)@example.org\n" }.joined()
    }

    @Test func theAuthorCannotApproveAnotherApproverCanAndAnEditVoidsIt() async throws {
        let workspace = try CLIWorkspace()
        func bulkhead(_ arguments: String..., as user: String? = nil, stdin: String? = nil) throws -> CLIRunner.Result {
            try Self.run(workspace, arguments, as: user, stdin: stdin)
        }
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        try workspace.write(Self.people(0..<20), to: "people.csv")
        #expect(try bulkhead("list", "create", "news").status == 0)
        #expect(try bulkhead("subscribers", "import", "people.csv", "--list", "news").status == 0)
        #expect(try bulkhead("campaign", "create", "--name", "early", "--list", "news", "--subject", "Early", "--text", "body.txt").status == 0)

        // While no user exists nobody can approve: the error says how to create users.
        let noUsers = try bulkhead("campaign", "approve", "1")
        #expect(noUsers.status == 1 && noUsers.stderr.contains("bulkhead user create NAME --role admin,author --password-stdin"))

        #expect(try bulkhead("user", "create", "ann", "--role", "admin,author,approver", "--password-stdin", stdin: "ann-pw\n").status == 0)
        #expect(try bulkhead("user", "create", "bob", "--role", "approver", "--password-stdin", as: "ann", stdin: "bob-pw\n").status == 0)
        #expect(try bulkhead("user", "create", "cat", "--role", "author", "--password-stdin", as: "ann", stdin: "cat-pw\n").status == 0)

        let anonymous = try bulkhead("campaign", "create", "--name", "spring", "--list", "news", "--subject", "Spring", "--text", "body.txt")
        #expect(anonymous.status == 1 && anonymous.stderr.contains("to create campaigns, name yourself with --as NAME"))
        let created = try bulkhead("campaign", "create", "--name", "spring", "--list", "news", "--subject", "Spring", "--text", "body.txt", as: "ann")
        #expect(created.status == 0 && created.stdout.hasPrefix("campaign 2 created"), "\(created.stderr)")

        let own = try bulkhead("campaign", "approve", "2", as: "ann")
        #expect(own.status == 1 && own.stderr == "bulkhead: ann is the author of campaign 2: another approver must decide\n")
        let notApprover = try bulkhead("campaign", "approve", "2", as: "cat")
        #expect(notApprover.status == 1 && notApprover.stderr == "bulkhead: cat may not approve campaigns: that needs the role approver\n")
        let wrongPassword = try workspace.run(["campaign", "approve", "2", "--as", "bob"], environment: ["BULKHEAD_PASSWORD": "ann-pw"])
        #expect(wrongPassword.status == 1 && wrongPassword.stderr == "bulkhead: authentication failed for bob\n")

        let approved = try bulkhead("campaign", "approve", "2", "--comment", "links checked", as: "bob")
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.hasPrefix("campaign 2 approved by bob for 20 eligible recipients (sha256:"))
        #expect(approved.stdout.hasSuffix("); an author sends it: bulkhead campaign send 2\n"))
        func approval() throws -> String {
            let shown = try bulkhead("campaign", "show", "2")
            return shown.stdout.split(separator: "\n").first { $0.hasPrefix("  approval: ") }.map { String($0.dropFirst(12)) } ?? "none"
        }
        #expect(try approval().hasPrefix("approved by bob at "))
        #expect(try approval().hasSuffix(": links checked"))

        // The audience: 5 % more still counts, 10 % more voids the approval.
        try workspace.write(Self.people(20..<21), to: "more.csv")
        #expect(try bulkhead("subscribers", "import", "more.csv", "--list", "news", as: "ann").status == 0)
        #expect(try approval().hasPrefix("approved by bob at "), "21 is 5 % more than 20")
        try workspace.write(Self.people(21..<22), to: "more.csv")
        #expect(try bulkhead("subscribers", "import", "more.csv", "--list", "news", as: "ann").status == 0)
        #expect(try approval().hasSuffix("no longer counts: the audience grew by 10 % or more (from 20 to 22)"))

        #expect(try bulkhead("campaign", "approve", "2", as: "bob").stdout.contains("for 22 eligible recipients"))
        #expect(try approval().hasPrefix("approved by bob at "))

        // Editing the subject voids the approval; the editor cannot approve it afterwards.
        let edited = try bulkhead("campaign", "edit", "2", "--subject", "Spring offer", as: "ann")
        #expect(edited.status == 0 && edited.stdout == "campaign 2 updated (draft)\n", "\(edited.stderr)")
        #expect(try approval().hasSuffix("no longer counts: the content changed (subject, bodies, attachments, From or DKIM key)"))
        #expect(try bulkhead("campaign", "show", "2").stdout.contains("  subject: Spring offer\n"))
        #expect(try bulkhead("campaign", "approve", "2", as: "bob").status == 0)
        #expect(try approval().hasPrefix("approved by bob at "))
        #expect(try bulkhead("campaign", "reject", "2", "--comment", "wrong season", as: "bob").stdout == "campaign 2 rejected by bob\n")
        #expect(try approval().hasPrefix("rejected by bob at ") && approval().hasSuffix(": wrong season"))

        let shown = try bulkhead("campaign", "show", "2")
        let decisions = shown.stdout.split(separator: "\n").filter { $0.hasPrefix("    ") && $0.contains(" by bob (") }
        #expect(decisions.count == 4, "\(shown.stdout)")
        #expect(decisions.first?.contains("approve by bob (20 eligible, sha256:") == true && decisions.first?.hasSuffix("): links checked") == true)
        #expect(decisions.last?.contains("reject by bob (22 eligible, sha256:") == true)
        #expect(shown.stdout.contains(" bob campaign.approve ") || shown.stdout.contains(" bob (os "), "the audit trail names the approver")
        #expect(!shown.stdout.contains("ann-pw") && !shown.stdout.contains("bob-pw"))

        let editNonDraft = try bulkhead("campaign", "edit", "99", "--subject", "x", as: "ann")
        #expect(editNonDraft.status == 1 && editNonDraft.stderr == "bulkhead: no campaign 99\n")
        #expect(try bulkhead("campaign", "edit", "2", as: "ann").status == 2, "nothing to change")
        #expect(try bulkhead("campaign", "edit", "2", "--subject", "{{#x}", as: "ann").stderr.contains("template"))
    }

    /// Stopping never waits for a password; acting does.
    @Test func stopCommandsNeedNoPasswordButActingDoes() async throws {
        let workspace = try CLIWorkspace.withNewsList()
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try workspace.run("campaign", "create", "--name", "c", "--list", "news", "--subject", "S", "--text", "body.txt").status == 0)
        #expect(try Self.run(workspace, ["user", "create", "ann", "--role", "admin,author", "--password-stdin"], stdin: "ann-pw\n").status == 0)
        let store = try SQLiteStore(path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path)
        _ = try await store.transition(CampaignID(rawValue: 1), from: [.draft], to: .sending, actor: .system)

        let paused = try workspace.run("campaign", "pause", "1")
        #expect(paused.status == 0 && paused.stdout == "campaign 1 paused\n", "\(paused.stderr)")
        let resumed = try workspace.run("campaign", "resume", "1")
        #expect(resumed.status == 1 && resumed.stderr.contains("to resume campaigns, name yourself with --as NAME"))
        let wrong = try workspace.run(["campaign", "abort", "1", "--as", "ann"], environment: ["BULKHEAD_PASSWORD": "nope"])
        #expect(wrong.status == 1 && wrong.stderr == "bulkhead: authentication failed for ann\n", "--as given is checked, even to stop")
        let aborted = try workspace.run("campaign", "abort", "1")
        #expect(aborted.status == 0, "\(aborted.stderr)")
        #expect(try workspace.run("suppression", "add", "ada@example.org").status == 0, "blocking an address needs no password")
        let lift = try workspace.run("suppression", "remove", "ada@example.org")
        #expect(lift.status == 1 && lift.stderr.contains("name yourself with --as NAME"), "lifting one does")
        #expect(try Self.run(workspace, ["suppression", "remove", "ada@example.org"], as: "ann").status == 0)

        let events = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "1"))
        let stops = events.filter { $0.event.action == "campaign.transition" && $0.event.actor != .system }
        #expect(stops.count == 2 && stops.allSatisfy { $0.event.actor.authenticatedUser == nil && $0.event.actor.osUser != nil })
        let removal = try #require(try await store.auditEvents(AuditQuery(action: "suppression.remove")).last)
        #expect(removal.event.actor.authenticatedUser == "ann")
    }

    /// `campaign show` with decisions and overrides, as text and JSON, compared whole.
    @Test func campaignShowPrintsDecisionsExactly() async throws {
        let workspace = try CLIWorkspace.withNewsList()
        let clock = ManualClock()  // 2027-01-15T08:00:00Z
        let store = try SQLiteStore(
            path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path, configuration: SQLiteStore.Configuration(clock: clock))
        let news = try #require(try await store.list(named: "news"))
        let content = CampaignContent(
            name: "May news", listID: news.id, from: "Shop <news@shop.example>", subjectTemplate: "News", textTemplate: "Hi")
        let campaign = try await store.createCampaign(content, actor: .person(user: "ann", osUser: "ann"))
        clock.advance(by: .seconds(60))
        _ = try await store.addOverride(
            campaign: campaign.id, code: "unsubscribe.missing", reason: "a receipt", actor: .person(user: "ann", osUser: "deploy"))
        clock.advance(by: .seconds(60))
        _ = try await store.recordApproval(
            campaign: campaign.id,
            NewApproval(decision: .approve, comment: "fine", fingerprint: "sha256:00", audience: AudienceDefinition(content), eligible: 1),
            actor: .person(user: "bob", osUser: "bob"))
        let text = try workspace.run("campaign", "show", "1")
        #expect(text.status == 0 && text.stderr.isEmpty, "\(text.stderr)")
        #expect(
            text.stdout == """
                campaign 1: May news
                  state: draft
                  list: 1
                  from: Shop <news@shop.example>
                  subject: News
                  ledger: 0 recipients: queued 0, sending 0, sent 0, deferred 0, failed 0, uncertain 0, suppressed 0
                  approval: the approval by bob at 2027-01-15T08:02:00Z no longer counts: the content changed (subject, bodies, attachments, From or DKIM key)
                  decisions:
                    2027-01-15T08:02:00Z approve by bob (1 eligible, sha256:00): fine
                  overrides:
                    2027-01-15T08:01:00Z unsubscribe.missing by ann: a receipt
                  audit:
                    2027-01-15T08:00:00Z ann campaign.create name=May news
                    2027-01-15T08:01:00Z ann (os deploy) campaign.override code=unsubscribe.missing reason=a receipt
                    2027-01-15T08:02:00Z bob campaign.approve comment=fine eligible=1 fingerprint=sha256:00

                """)
        let json = try workspace.run("campaign", "show", "1", "--json")
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let decisions = try #require(object["decisions"] as? [[String: Any]])
        #expect(decisions.count == 1 && decisions[0]["by"] as? String == "bob" && decisions[0]["decision"] as? String == "approve")
        #expect(decisions[0]["at"] as? String == "2027-01-15T08:02:00Z" && decisions[0]["comment"] as? String == "fine")
        #expect(decisions[0]["eligible"] as? Int == 1 && decisions[0]["fingerprint"] as? String == "sha256:00")
        let overrides = try #require(object["overrides"] as? [[String: Any]])
        #expect(overrides.count == 1 && overrides[0]["code"] as? String == "unsubscribe.missing" && overrides[0]["reason"] as? String == "a receipt")
        #expect((object["approval"] as? String)?.hasSuffix("the content changed (subject, bodies, attachments, From or DKIM key)") == true)
        let audit = try #require(object["audit"] as? [[String: Any]])
        #expect(audit.map { $0["actor"] as? String } == ["ann", "ann (os deploy)", "bob"])
    }
}
