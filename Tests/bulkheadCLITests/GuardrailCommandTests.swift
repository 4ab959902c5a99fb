import Foundation
import Testing

/// `campaign preflight`, the send gate and the emergency stop through the real binary, on the capture
/// mailbox (the end-to-end suite has the same against a real SMTP peer).
@Suite struct GuardrailCommandTests {
    /// A list of `people` (`email,name` rows) and a campaign with `subject` whose body greets by first name.
    static func workspace(_ people: String, subject: String, guardrails: String = "") throws -> CLIWorkspace {
        let workspace = try CLIWorkspace(extraConfiguration: guardrails.isEmpty ? "" : "guardrails: \(guardrails)\n")
        try workspace.write("email,name\n" + people, to: "people.csv")
        try workspace.write("Hello {{first_name}},\nour spring offer.\n{{unsubscribe_url}}\n", to: "body.txt")
        #expect(try workspace.run("list", "create", "news").status == 0)
        #expect(try workspace.run("subscribers", "import", "people.csv", "--list", "news").status == 0)
        let created = try workspace.run("campaign", "create", "--name", "spring", "--list", "news", "--subject", subject, "--text", "body.txt")
        #expect(created.status == 0, "\(created.stderr)")
        return workspace
    }

    static func people(_ count: Int) -> String {
        (0..<count).map { "reader\($0)@example.org,Reader \($0)\n" }.joined()
    }

    @Test func preflightPrintsWhoIsLeftOutWhatIsMissingAndWhatSendNeedsAndChangesNothing() throws {
        let workspace = try Self.workspace(
            "ada@example.org,Ada Lovelace\nbob@example.org,\ncyd@example.org,Cyd\ndan@example.org,Dan\n", subject: "Spring offer")
        #expect(try workspace.run("subscribers", "unsubscribe", "dan@example.org", "--list", "news", "--source", "phone call").status == 0)
        let text = try workspace.run("campaign", "preflight", "1")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout == """
                campaign 1 (draft) to the capture mailbox (nothing leaves this machine)
                audience: 3 eligible; left out: 1 unsubscribed
                findings:
                  warning compliance.postal-address-unset: no postal address is configured (commercial mail must carry one)
                    at: configuration
                    fix: set identity.postal_address
                  warning compliance.dkim-missing: the message is not DKIM-signed
                    at: headers
                    fix: configure dkim (bulkhead dkim keygen)
                  warning render.missing-field: 1 of 3 recipient(s) have no value for {{first_name}}: their message shows nothing there (first: bob@example.org)
                    at: {{first_name}}
                    fix: give those subscribers the field, or write the template so that it reads well without it
                  info audience.excluded: 1 member(s) of the list are left out: 1 unsubscribed; only confirmed members with a consent record who are not suppressed are eligible
                no {{first_name}} for 1: bob@example.org
                send would go ahead

                """)
        let json = try workspace.run("campaign", "preflight", "1", "--json")
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["maySend"] as? Bool == true)
        #expect((object["audience"] as? [String: Any])?["eligible"] as? Int == 3)
        #expect(try workspace.run("campaign", "show", "1").stdout.contains("state: draft"), "preflight changes nothing")
        #expect(try workspace.captured().isEmpty)
    }

    @Test func mailThatLooksLikeATestToTenOrMoreIsRefusedAndSendsNothing() throws {
        let workspace = try Self.workspace(Self.people(10), subject: "testing the new template")
        let preflight = try workspace.run("campaign", "preflight", "1")
        #expect(preflight.status == 3)
        #expect(
            preflight.stdout.hasSuffix(
                "send would refuse; it still needs:\n  - fix the error finding(s) content.looks-like-test (--force does not skip errors)\n"))
        let send = try workspace.run("campaign", "send", "1", "--force")
        #expect(send.status == 3)
        #expect(send.stderr.contains("bulkhead: campaign 1 not sent (content.looks-like-test); it still needs:\n"), "\(send.stderr)")
        #expect(try workspace.captured().isEmpty)
        #expect(try workspace.run("campaign", "show", "1").stdout.contains("state: draft"))
    }

    @Test func confirmationWantsTheExactEligibleCount() throws {
        let workspace = try Self.workspace(Self.people(4), subject: "Spring offer", guardrails: "{confirm_recipients: 4, warn_recipients: 100}")
        let missing = try workspace.run("campaign", "send", "1")
        #expect(missing.status == 3 && missing.stderr.hasSuffix("  - --confirm 4: type the exact number of recipients\n"), "\(missing.stderr)")
        let wrong = try workspace.run("campaign", "send", "1", "--confirm", "5")
        #expect(wrong.status == 3 && wrong.stderr.hasSuffix("  - --confirm 4: the eligible count is 4, not 5\n"), "\(wrong.stderr)")
        #expect(try workspace.run("campaign", "preflight", "1", "--confirm", "4").status == 0)
        #expect(try workspace.captured().isEmpty)
        let sent = try workspace.run("campaign", "send", "1", "--confirm", "4")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try workspace.captured().count == 4)
    }

    /// A count typed below the confirm threshold is checked too: whoever typed 5 expected 5 recipients.
    @Test func aWrongConfirmCountRefusesEvenWhereNoneIsNeeded() throws {
        let workspace = try Self.workspace(Self.people(3), subject: "Spring offer")
        let wrong = try workspace.run("campaign", "send", "1", "--confirm", "2")
        #expect(wrong.status == 3 && wrong.stderr.hasSuffix("  - --confirm 3: the eligible count is 3, not 2\n"), "\(wrong.stderr)")
        #expect(try workspace.captured().isEmpty)
        #expect(try workspace.run("campaign", "send", "1", "--confirm", "3").status == 0)
        #expect(try workspace.captured().count == 3)
    }

    @Test func anAudienceThatNeedsApprovalCannotBeSentWithoutOne() throws {
        let workspace = try Self.workspace(Self.people(3), subject: "Spring offer", guardrails: "{approval_recipients: 3}")
        let send = try workspace.run("campaign", "send", "1", "--force")
        #expect(send.status == 3)
        #expect(
            send.stderr.contains("bulkhead: campaign 1 not sent (audience.approval); it still needs:\n  - an approval by a second person"),
            "\(send.stderr)")
        #expect(try workspace.captured().isEmpty)
    }

    @Test func cancelAndAbortFollowTheLifecycleTable() throws {
        let workspace = try Self.workspace(Self.people(2), subject: "Spring offer")
        let cancelled = try workspace.run("campaign", "cancel", "1", "--reason", "wrong list")
        #expect(cancelled.status == 0 && cancelled.stdout == "campaign 1 cancelled: nothing was sent\n")
        let again = try workspace.run("campaign", "cancel", "1")
        #expect(again.status == 1 && again.stderr == "bulkhead: campaign 1 is cancelled and cannot be cancelled\n")
        let send = try workspace.run("campaign", "send", "1")
        #expect(send.status == 1 && send.stderr == "bulkhead: campaign 1 is cancelled; send needs draft or scheduled\n")

        #expect(try workspace.run("campaign", "create", "--name", "b", "--list", "news", "--subject", "B", "--text", "body.txt").status == 0)
        let abortDraft = try workspace.run("campaign", "abort", "2")
        #expect(abortDraft.status == 1, "a draft is cancelled, not aborted: \(abortDraft.stderr)")
        #expect(try workspace.run("campaign", "send", "2").status == 0)
        let cancelSent = try workspace.run("campaign", "cancel", "2")
        #expect(cancelSent.status == 1 && cancelSent.stderr == "bulkhead: campaign 2 is sent and cannot be cancelled\n")
    }

    @Test func aScheduledCampaignKeepsTheAudienceThatWasConfirmed() throws {
        let workspace = try Self.workspace(Self.people(2), subject: "Spring offer")
        let due = Date().addingTimeInterval(-5).formatted(.iso8601)
        #expect(try workspace.run("campaign", "schedule", "1", "--at", due).status == 0)
        try workspace.write("email,name\nlate@example.org,Late Joiner\n", to: "late.csv")
        #expect(try workspace.run("subscribers", "import", "late.csv", "--list", "news").status == 0)
        let served = try workspace.run("serve", "--once")
        #expect(served.status == 0, "\(served.stderr)")
        let recipients = Set(try workspace.captured().compactMap { $0["recipient"] as? String })
        #expect(recipients == ["reader0@example.org", "reader1@example.org"], "who joined after the schedule is not added")
    }

    @Test func stopAllAndReleaseArePrintedAndAudited() throws {
        let workspace = try Self.workspace(Self.people(1), subject: "Spring offer")
        let stop = try workspace.run("stop", "--all", "--reason", "drill")
        #expect(stop.status == 0 && stop.stdout.contains("campaigns paused: none was under way"), "\(stop.stdout)")
        let send = try workspace.run("campaign", "send", "1")
        #expect(send.status == 3 && send.stderr.contains("an emergency stop is in force since "), "\(send.stderr)")
        #expect(send.stderr.contains("nothing starts until `bulkhead stop --release`"))
        let both = try workspace.run("stop", "--all", "--release")
        #expect(both.status != 0 && both.stderr.contains("give exactly one of --all or --release"))
        #expect(
            try workspace.run("stop", "--release").stdout == "emergency stop released; paused campaigns stay paused (bulkhead campaign resume ID)\n")
        #expect(try workspace.run("stop", "--release").stdout == "no emergency stop was in force\n")
        #expect(try workspace.run("campaign", "send", "1").status == 0)
        #expect(try workspace.captured().count == 1)
    }
}

/// The send gate with users: approvals and overrides decide, the author alone cannot.
@Suite struct FourEyesSendTests {
    @Test func aSendThatNeedsApprovalGoesOnlyAfterAnotherPersonApproves() throws {
        let workspace = try GuardrailCommandTests.workspace(
            GuardrailCommandTests.people(4), subject: "Spring offer", guardrails: "{approval_recipients: 3}")
        func bulkhead(_ arguments: String..., as user: String? = nil, stdin: String? = nil) throws -> CLIRunner.Result {
            try ApprovalCommandTests.run(workspace, arguments, as: user, stdin: stdin)
        }
        let noUsers = try bulkhead("campaign", "send", "1")
        #expect(noUsers.status == 3 && noUsers.stderr.contains("no users exist, so nobody can approve: create users first"), "\(noUsers.stderr)")
        #expect(try bulkhead("user", "create", "ann", "--role", "admin,author", "--password-stdin", stdin: "ann-pw\n").status == 0)
        #expect(try bulkhead("user", "create", "bob", "--role", "approver", "--password-stdin", as: "ann", stdin: "bob-pw\n").status == 0)

        let anonymous = try bulkhead("campaign", "send", "1")
        #expect(anonymous.status == 1, "once users exist, send needs --as: \(anonymous.stderr)")
        let unapproved = try bulkhead("campaign", "send", "1", as: "ann")
        #expect(unapproved.status == 3 && unapproved.stderr.contains("an approval by a second person with the approver role: not approved yet"))
        #expect(try workspace.captured().isEmpty)
        #expect(try bulkhead("campaign", "approve", "1", as: "bob").status == 0)
        #expect(try bulkhead("campaign", "preflight", "1").stdout.hasSuffix("send would go ahead\n"))
        let sent = try bulkhead("campaign", "send", "1", as: "ann")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try workspace.captured().count == 4)
    }

    @Test func anApprovalByAUserDisabledSinceNoLongerCounts() throws {
        let workspace = try GuardrailCommandTests.workspace(
            GuardrailCommandTests.people(4), subject: "Spring offer", guardrails: "{approval_recipients: 3}")
        func bulkhead(_ arguments: String..., as user: String? = nil, stdin: String? = nil) throws -> CLIRunner.Result {
            try ApprovalCommandTests.run(workspace, arguments, as: user, stdin: stdin)
        }
        #expect(try bulkhead("user", "create", "ann", "--role", "admin,author", "--password-stdin", stdin: "ann-pw\n").status == 0)
        #expect(try bulkhead("user", "create", "bob", "--role", "approver", "--password-stdin", as: "ann", stdin: "bob-pw\n").status == 0)
        #expect(try bulkhead("campaign", "approve", "1", as: "bob").status == 0)
        #expect(try bulkhead("user", "disable", "bob", as: "ann").status == 0)
        let send = try bulkhead("campaign", "send", "1", as: "ann")
        #expect(send.status == 3 && send.stderr.contains("the approver's user has been disabled since"), "\(send.stderr)")
        #expect(try workspace.captured().isEmpty)
    }

    @Test func anOverrideTurnsOneErrorIntoAnApprovalAndExposureNeverIsOverridden() throws {
        let workspace = try GuardrailCommandTests.workspace(GuardrailCommandTests.people(12), subject: "test")
        func bulkhead(_ arguments: String..., as user: String? = nil, stdin: String? = nil) throws -> CLIRunner.Result {
            try ApprovalCommandTests.run(workspace, arguments, as: user, stdin: stdin)
        }
        #expect(try bulkhead("user", "create", "ann", "--role", "admin,author", "--password-stdin", stdin: "ann-pw\n").status == 0)
        #expect(try bulkhead("user", "create", "bob", "--role", "approver", "--password-stdin", as: "ann", stdin: "bob-pw\n").status == 0)

        let never = try bulkhead("campaign", "send", "1", "--override", "recipients.exposed", "--reason", "x", as: "ann")
        #expect(never.status == 3 && never.stderr.contains("recipients.exposed cannot be overridden"), "\(never.stderr)")
        let noReason = try bulkhead("campaign", "send", "1", "--override", "content.looks-like-test", as: "ann")
        #expect(noReason.status == 2 && noReason.stderr.contains("--override needs --reason TEXT"))

        let overridden = try bulkhead(
            "campaign", "send", "1", "--override", "content.looks-like-test", "--reason", "the staff list checks the new template", as: "ann")
        #expect(overridden.status == 3, "the override needs an approval: \(overridden.stderr)")
        #expect(overridden.stderr.contains("override of content.looks-like-test recorded"))
        #expect(overridden.stderr.contains("approval content.looks-like-test: overridden:"), "\(overridden.stderr)")
        #expect(try workspace.captured().isEmpty)
        #expect(try bulkhead("campaign", "approve", "1", as: "bob").status == 0)
        let sent = try bulkhead("campaign", "send", "1", as: "ann")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try workspace.captured().count == 12)
    }
}

/// `alerts.email` gets each alert through the configured transport (here the capture mailbox).
@Suite struct AlertMailTests {
    @Test func anEmergencyStopIsMailedToAlertsEmail() throws {
        let workspace = try GuardrailCommandTests.workspace(
            GuardrailCommandTests.people(1), subject: "Spring offer", guardrails: "{}\nalerts: {email: ops@shop.example}")
        let stop = try workspace.run("stop", "--all", "--reason", "drill")
        #expect(stop.status == 0, "\(stop.stderr)")
        let captured = try workspace.captured()
        #expect(captured.count == 1 && captured.first?["recipient"] as? String == "ops@shop.example", "\(captured)")
        let id = try #require(captured.first?["id"] as? String)
        let raw = try workspace.run("capture", "show", id, "--raw").stdout
        #expect(raw.contains("Subject: [bulkhead alert] emergency stop by "), "\(raw)")
        #expect(raw.contains("Auto-Submitted: auto-generated"))
        #expect(raw.contains("stopped everything (drill)"))
    }
}
