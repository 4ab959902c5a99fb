import BulkheadPolicy
import BulkheadStore
import Foundation
import Testing

@testable import BulkheadEngine

/// The incident report's renderings on hostile values, the outcome mapping and the fingerprint.
@Suite struct IncidentRenderingTests {
    static let hostile = "<script>alert('x')</script> & \"q\" | `code` **b** [l](http://evil.example)\r\nX-Injected: 1\u{0}"

    static func report() -> IncidentReport {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let action = IncidentReport.Action(
            id: 1, at: at, actor: hostile, actorKind: "human", action: "campaign.approve", details: ["note": .string(hostile)])
        return IncidentReport(
            formatVersion: 1, generatedAt: at,
            campaign: IncidentReport.CampaignFacts(
                id: 7, name: hostile, state: "aborted", kind: "commercial", list: hostile, createdBy: hostile, followUpOf: nil),
            what: IncidentReport.What(
                subject: hostile, from: hostile, contentSHA256: String(repeating: "a", count: 64),
                attachments: [
                    IncidentReport.AttachmentFacts(name: hostile, path: "/x", mediaType: "text/html", size: 3, sha256: nil, note: hostile)
                ],
                sample: IncidentReport.Sample(
                    recipient: "ada@example.org", outcome: .delivered, to: hostile, subject: hostile, text: "```\n" + hostile,
                    html: "<img src=\"https://tracker.example/p.gif\">" + hostile),
                sampleUnavailable: nil,
                findings: [Finding(code: "dlp.iban", severity: .approval, message: hostile, location: hostile, fix: hostile)],
                approvals: [action], overrides: [], personalFields: ["name", hostile]),
            toWhom: IncidentReport.ToWhom(
                recipients: 10, delivered: 4, uncertain: 1, notSent: 3, suppressed: 1, bounced: 0, failed: 1, excluded: 2,
                excludedByStatus: ["unconfirmed": 2], excludedSuppressed: 0, optedOutSince: 1, alreadyFollowedUp: 0, followUpWouldReach: 4),
            when: IncidentReport.When(
                created: at, sendRequested: at.addingTimeInterval(60), firstDelivery: at.addingTimeInterval(61),
                lastDelivery: at.addingTimeInterval(200),
                stops: [IncidentReport.Moment(at: at.addingTimeInterval(210), actor: hostile, what: "aborted (\(hostile))")],
                perMinute: [
                    LedgerMinute(minute: at.addingTimeInterval(60), delivered: 3, uncertain: 1),
                    LedgerMinute(minute: at.addingTimeInterval(180), delivered: 1, failed: 1),
                ]),
            actions: [action],
            followUps: [
                IncidentReport.FollowUp(id: 8, name: hostile, state: "sent", delivered: 4, uncertain: 0, notSent: 0, suppressed: 0, failed: 0)
            ],
            summary: [hostile])
    }

    @Test func htmlIsSelfContainedAndEscapesEverything() {
        let html = IncidentHTML.render(Self.report())
        #expect(!html.contains("<script"), "no hostile tag survives")
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(!html.contains("<img"), "the message's HTML is shown as source, never rendered")
        #expect(html.contains("&lt;img src=&quot;https://tracker.example/p.gif&quot;&gt;"))
        #expect(!html.contains("\u{0}"))
        #expect(html.range(of: #"<[a-zA-Z][^>]*\s(src|href|xlink:href)\s*="#, options: .regularExpression) == nil, "no element loads anything")
        #expect(!html.contains("@import") && !html.contains("url("), "no remote style")
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""), "the timeline is inline SVG")
        #expect(html.contains("<rect"), "one bar per minute and outcome")
        #expect(html.contains("stroke-dasharray"), "the stop is marked")
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</body></html>\n"))
    }

    @Test func markdownEscapesEverything() {
        let markdown = IncidentMarkdown.render(Self.report())
        // Outside the fenced message bodies (shown as they are, as code), nothing is live.
        var outside: [Substring] = []
        var fence: Substring?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if let open = fence {
                if line == open { fence = nil }
            } else if line.hasPrefix("```") {
                fence = line.prefix { $0 == "`" }
            } else {
                outside.append(line)
            }
        }
        let prose = outside.joined(separator: "\n")
        #expect(!prose.contains("<script") && !prose.contains("<img"))
        #expect(prose.contains("&lt;script&gt;"))
        #expect(!prose.contains("[l](http"), "no live link")
        #expect(!prose.contains("\u{0}"))
        // Table rows keep their column count: every | inside a value is escaped.
        for line in markdown.split(separator: "\n") where line.hasPrefix("| Subject (template) |") {
            #expect(line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 3, "\(line)")
        }
        // The text body holds ``` so its fence is longer.
        #expect(markdown.contains("````text\n```\n"))
    }

    @Test func jsonKeysAreStableSnakeCase() throws {
        let json = Self.report().json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == ["format_version", "generated_at", "campaign", "what", "to_whom", "when", "actions", "follow_ups", "summary"])
        let toWhom = try #require(object["to_whom"] as? [String: Any])
        #expect(
            Set(toWhom.keys) == [
                "recipients", "delivered", "uncertain", "not_sent", "suppressed", "bounced", "failed", "excluded", "excluded_by_status",
                "excluded_suppressed", "opted_out_since", "already_followed_up", "follow_up_would_reach",
            ])
        let when = try #require(object["when"] as? [String: Any])
        #expect(when["first_delivery"] as? String == "2027-01-15T08:01:01Z")
        let decoded = try JSONDecoder.iso8601.decode(IncidentReport.self, from: Data(json.utf8))
        #expect(decoded == Self.report(), "the JSON reads back to the same report")
    }

    @Test func ledgerStatesMapToOutcomes() {
        #expect(IncidentOutcome(.sent) == .delivered)
        #expect(IncidentOutcome(.uncertain) == .uncertain)
        #expect(IncidentOutcome(.sending) == .uncertain, "in flight or left by a crash: may have arrived")
        #expect(IncidentOutcome(.queued) == .notSent && IncidentOutcome(.deferred) == .notSent)
        #expect(IncidentOutcome(.suppressed) == .suppressed)
        #expect(IncidentOutcome(.failed) == .failed)
        #expect(LedgerState.allCases.filter { IncidentOutcome($0).mayHaveArrived } == [.sending, .sent, .uncertain])
    }

    @Test func templateFieldsAreFound() {
        #expect(
            IncidentReportBuilder.templateFields([
                "Hi {{first_name}} {{{ name }}}", "{{#attributes.vip}}VIP{{/attributes.vip}} {{& email}} {{! note}}",
            ])
                == ["attributes.vip", "email", "first_name", "name"])
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
