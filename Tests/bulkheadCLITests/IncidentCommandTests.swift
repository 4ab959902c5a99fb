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
            let mode =
                try FileManager.default.attributesOfItem(atPath: workspace.directory.appendingPathComponent(name).path)[.posixPermissions] as? Int
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
        #expect(html.contains("May &lt;news&gt;") && !html.contains("<news>") && html.contains("| &lt;b&gt;"))
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
        # Incident report: campaign 1 “May &lt;news&gt;”

        Generated NOW; campaign state: aborted.

        ## Summary

        - Campaign 1 “May &lt;news&gt;” (commercial) from Shop &lt;news@shop.example&gt; to the list news, created by ann at 2027-01-15T08:00:00Z; it is now aborted.
        - 1 person received it; 0 people may or may not have (the message was handed over but no reply was recorded); 2 people did not (not sent 1, suppressed 0, failed 1, bounced 0).
        - Each message went to one recipient only (no other address in it) and carried that recipient's address and their first\\_name.
        - It carried no attachment.
        - The sensitive-content check finds nothing in the copy of one recipient.
        - First stop: aborted (wrong list) by ann at 2027-01-15T08:04:00Z.
        - The last message was accepted at 2027-01-15T08:01:00Z.
        - Of those who received it or may have, 0 opted out since; a follow-up would reach 1 person now.

        ## What was sent

        | | |
        |---|---|
        | Subject (template) | News for \\{\\{first\\_name\\}\\} \\| &lt;b&gt; |
        | From | Shop &lt;news@shop.example&gt; |
        | Kind | commercial |
        | List | news |
        | Created by | ann |
        | Content SHA-256 | sha256:5bb7c2bdb4580fe65ddd9489836165ca1fdf859ab34b611572400670299c94ad |
        | Personalised with | first\\_name, unsubscribe\\_url |

        ### Attachments

        None.

        ### The copy one recipient got (ada@example.org, delivered)

        The recipient's unsubscribe token is masked.

        - To: Ada Lovelace &lt;ada@example.org&gt;
        - Subject: News for Ada \\| &lt;b&gt;

        ```text
        Hello Ada
        https://shop.example/u/[unsubscribe-token]

        ```

        ### Preflight findings (computed now on that copy)

        - error dkim.missing: no DKIM signature
        - warning compliance.postal-address-unset: no postal address is configured (commercial mail must carry one) (configuration); fix: set identity.postal\\_address
        - warning compliance.dkim-missing: the message is not DKIM-signed (headers); fix: configure dkim (bulkhead dkim keygen)

        ### Approvals and overrides

        - 2027-01-15T08:00:30Z bob campaign.approve note=ok

        ## To whom

        | outcome | recipients |
        |---|---:|
        | delivered | 1 |
        | uncertain (may or may not have arrived) | 0 |
        | not sent (stopped, cancelled or not yet sent) | 1 |
        | suppressed (opted out before it was due; not sent) | 0 |
        | bounced (came back after the 250) | 0 |
        | failed | 1 |
        | excluded (list members never queued: unconfirmed 1) | 1 |
        | **queued in all** | **3** |

        Of those who received it or may have, 0 opted out since and 0 already had a follow-up; `bulkhead incident follow-up 1` would reach 1.
        The list of every recipient: `bulkhead incident report 1 --recipients FILE.csv` (address,outcome,at).

        ## When

        | moment | time (UTC) |
        |---|---|
        | created | 2027-01-15T08:00:00Z |
        | approved | 2027-01-15T08:00:30Z |
        | send requested | 2027-01-15T08:01:00Z |
        | undo window end | — |
        | canary | — |
        | first delivery | 2027-01-15T08:01:00Z |
        | last delivery | 2027-01-15T08:01:00Z |
        | aborted (wrong list) by ann | 2027-01-15T08:04:00Z |

        ### Messages per minute

        | minute (UTC) | delivered | uncertain | failed |
        |---|---:|---:|---:|
        | 2027-01-15T08:01:00Z | 1 | 0 | 1 |

        ## What was done (audit log)

        | time (UTC) | actor | action | details |
        |---|---|---|---|
        | 2027-01-15T08:00:00Z | ann (human) | campaign.create | name=May &lt;news&gt; |
        | 2027-01-15T08:00:30Z | bob (human) | campaign.approve | note=ok |
        | 2027-01-15T08:01:00Z | ann (human) | campaign.transition | from=draft to=sending transport=capture |
        | 2027-01-15T08:04:00Z | ann (human) | campaign.transition | from=sending reason=wrong list to=aborted |

        """

    static let expectedJSON = """
        {
          "actions" : [
            {
              "action" : "campaign.create",
              "actor" : "ann",
              "actor_kind" : "human",
              "at" : "2027-01-15T08:00:00Z",
              "details" : {
                "name" : "May <news>"
              },
              "id" : 1
            },
            {
              "action" : "campaign.approve",
              "actor" : "bob",
              "actor_kind" : "human",
              "at" : "2027-01-15T08:00:30Z",
              "details" : {
                "note" : "ok"
              },
              "id" : 2
            },
            {
              "action" : "campaign.transition",
              "actor" : "ann",
              "actor_kind" : "human",
              "at" : "2027-01-15T08:01:00Z",
              "details" : {
                "from" : "draft",
                "to" : "sending",
                "transport" : "capture"
              },
              "id" : 3
            },
            {
              "action" : "campaign.transition",
              "actor" : "ann",
              "actor_kind" : "human",
              "at" : "2027-01-15T08:04:00Z",
              "details" : {
                "from" : "sending",
                "reason" : "wrong list",
                "to" : "aborted"
              },
              "id" : 4
            }
          ],
          "campaign" : {
            "created_by" : "ann",
            "id" : 1,
            "kind" : "commercial",
            "list" : "news",
            "name" : "May <news>",
            "state" : "aborted"
          },
          "follow_ups" : [

          ],
          "format_version" : 1,
          "generated_at" : "NOW",
          "summary" : [
            "Campaign 1 “May <news>” (commercial) from Shop <news@shop.example> to the list news, created by ann at 2027-01-15T08:00:00Z; it is now aborted.",
            "1 person received it; 0 people may or may not have (the message was handed over but no reply was recorded); 2 people did not (not sent 1, suppressed 0, failed 1, bounced 0).",
            "Each message went to one recipient only (no other address in it) and carried that recipient's address and their first_name.",
            "It carried no attachment.",
            "The sensitive-content check finds nothing in the copy of one recipient.",
            "First stop: aborted (wrong list) by ann at 2027-01-15T08:04:00Z.",
            "The last message was accepted at 2027-01-15T08:01:00Z.",
            "Of those who received it or may have, 0 opted out since; a follow-up would reach 1 person now."
          ],
          "to_whom" : {
            "already_followed_up" : 0,
            "bounced" : 0,
            "delivered" : 1,
            "excluded" : 1,
            "excluded_by_status" : {
              "unconfirmed" : 1
            },
            "excluded_suppressed" : 0,
            "failed" : 1,
            "follow_up_would_reach" : 1,
            "not_sent" : 1,
            "opted_out_since" : 0,
            "recipients" : 3,
            "suppressed" : 0,
            "uncertain" : 0
          },
          "what" : {
            "approvals" : [
              {
                "action" : "campaign.approve",
                "actor" : "bob",
                "actor_kind" : "human",
                "at" : "2027-01-15T08:00:30Z",
                "details" : {
                  "note" : "ok"
                },
                "id" : 2
              }
            ],
            "attachments" : [

            ],
            "content_sha256" : "sha256:5bb7c2bdb4580fe65ddd9489836165ca1fdf859ab34b611572400670299c94ad",
            "findings" : [
              {
                "code" : "dkim.missing",
                "message" : "no DKIM signature",
                "severity" : "error"
              },
              {
                "code" : "compliance.postal-address-unset",
                "fix" : "set identity.postal_address",
                "location" : "configuration",
                "message" : "no postal address is configured (commercial mail must carry one)",
                "severity" : "warning"
              },
              {
                "code" : "compliance.dkim-missing",
                "fix" : "configure dkim (bulkhead dkim keygen)",
                "location" : "headers",
                "message" : "the message is not DKIM-signed",
                "severity" : "warning"
              }
            ],
            "from" : "Shop <news@shop.example>",
            "overrides" : [

            ],
            "personal_fields" : [
              "first_name",
              "unsubscribe_url"
            ],
            "sample" : {
              "outcome" : "delivered",
              "recipient" : "ada@example.org",
              "subject" : "News for Ada | <b>",
              "text" : "Hello Ada\\r\\nhttps://shop.example/u/[unsubscribe-token]\\r\\n",
              "to" : "Ada Lovelace <ada@example.org>"
            },
            "subject" : "News for {{first_name}} | <b>"
          },
          "when" : {
            "approved" : "2027-01-15T08:00:30Z",
            "created" : "2027-01-15T08:00:00Z",
            "first_delivery" : "2027-01-15T08:01:00Z",
            "last_delivery" : "2027-01-15T08:01:00Z",
            "per_minute" : [
              {
                "delivered" : 1,
                "failed" : 1,
                "minute" : "2027-01-15T08:01:00Z",
                "uncertain" : 0
              }
            ],
            "send_requested" : "2027-01-15T08:01:00Z",
            "stops" : [
              {
                "actor" : "ann",
                "at" : "2027-01-15T08:04:00Z",
                "what" : "aborted (wrong list)"
              }
            ]
          }
        }

        """
}
