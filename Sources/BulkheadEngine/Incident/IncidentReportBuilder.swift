import BulkheadMail
import BulkheadPolicy
public import BulkheadStore
import Foundation

/// Assembles an ``IncidentReport`` from the store and the configuration. Memory stays bounded
/// however many recipients the campaign had: counts, the per-minute timeline, the excluded members
/// and the follow-up audience are aggregated by the database; only the audit log (at most
/// ``maximumAuditEvents`` events) and one recipient's message are held.
///
/// ```swift
/// let report = try await IncidentReportBuilder(environment: environment).report(for: CampaignID(rawValue: 7))
/// print(report.toWhom.delivered, "people received it")
/// ```
public struct IncidentReportBuilder: Sendable {
    /// The audit events read per campaign; a campaign with more says so in the summary.
    public static let maximumAuditEvents = 10_000

    public let environment: BulkheadEnvironment

    public init(environment: BulkheadEnvironment) {
        self.environment = environment
    }

    /// The report on campaign `id` as the store holds it now.
    public func report(for id: CampaignID) async throws -> IncidentReport {
        let store = environment.store
        guard let campaign = try await store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        let content = campaign.content
        let counts = try await store.ledgerCounts(campaign: id)
        let timeline = try await store.ledgerTimeline(campaign: id)
        let excluded = content.followUpOf == nil ? try await store.excludedMembers(campaign: id) : nil
        let audience = try await store.followUpAudience(incident: id)
        let (actions, truncated) = try await auditLog(id)
        let listName = try await store.list(id: content.listID)?.name ?? "#\(content.listID.rawValue)"

        var followUps: [IncidentReport.FollowUp] = []
        for other in try await store.allCampaigns().reversed() where other.content.followUpOf == id {
            let c = try await store.ledgerCounts(campaign: other.id)
            followUps.append(
                IncidentReport.FollowUp(
                    id: other.id.rawValue, name: other.content.name, state: other.state.rawValue, delivered: c[.sent],
                    uncertain: c[.uncertain] + c[.sending], notSent: c[.queued] + c[.deferred], suppressed: c[.suppressed],
                    failed: c[.failed]))
        }

        let bounces = try await store.bounceCounts(campaign: id)
        let bounced = IncidentOutcome.bouncedKinds.reduce(0) { $0 + (bounces[$1] ?? 0) }
        let toWhom = IncidentReport.ToWhom(
            recipients: counts.total, delivered: counts[.sent] - bounced, uncertain: counts[.uncertain] + counts[.sending],
            notSent: counts[.queued] + counts[.deferred], suppressed: counts[.suppressed], bounced: bounced, failed: counts[.failed],
            excluded: excluded?.total,
            excludedByStatus: excluded.map { members in Dictionary(uniqueKeysWithValues: members.byStatus.map { ($0.key.rawValue, $0.value) }) },
            excludedSuppressed: excluded?.suppressedConfirmed, optedOutSince: audience.optedOutSince,
            alreadyFollowedUp: audience.alreadyFollowedUp, followUpWouldReach: audience.remaining)

        let (sample, unavailable, findings) = await sampleAndFindings(campaign, recipients: counts.total)
        let what = IncidentReport.What(
            subject: content.subjectTemplate, from: content.from, contentSHA256: contentHash(campaign),
            attachments: content.attachments.map(Self.attachmentFacts), sample: sample, sampleUnavailable: unavailable,
            findings: findings,
            approvals: actions.filter { $0.action.contains("approv") },
            overrides: actions.filter { $0.action.contains("override") || $0.details["force"] == .bool(true) },
            personalFields: Self.templateFields([content.subjectTemplate, content.textTemplate, content.htmlTemplate ?? ""]))

        let when = Self.when(campaign, actions: actions, timeline: timeline)
        let facts = IncidentReport.CampaignFacts(
            id: id.rawValue, name: content.name, state: campaign.state.rawValue, kind: content.kind.rawValue, list: listName,
            createdBy: campaign.createdBy, followUpOf: content.followUpOf?.rawValue)
        var report = IncidentReport(
            formatVersion: IncidentReport.currentFormatVersion, generatedAt: environment.clock.date, campaign: facts, what: what,
            toWhom: toWhom, when: when, actions: actions, followUps: followUps, summary: [])
        report.summary = IncidentSummary.sentences(report, auditTruncated: truncated)
        return report
    }

    /// The campaign's audit events, oldest first, at most ``maximumAuditEvents`` (and whether more exist).
    private func auditLog(_ id: CampaignID) async throws -> ([IncidentReport.Action], Bool) {
        var actions: [IncidentReport.Action] = []
        var after: Int64?
        while actions.count < Self.maximumAuditEvents {
            let page = try await environment.store.auditEvents(
                AuditQuery(subjectKind: "campaign", subjectID: "\(id.rawValue)", afterID: after, limit: 1000))
            for event in page.prefix(Self.maximumAuditEvents - actions.count) {
                let kind: String
                if case .system = event.event.actor { kind = "system" } else { kind = "human" }
                actions.append(
                    IncidentReport.Action(
                        id: event.id, at: event.at, actor: event.event.actor.displayName, actorKind: kind, action: event.event.action,
                        details: event.event.details))
            }
            guard page.count == 1000, let last = page.last else { return (actions, false) }
            after = last.id
        }
        let more = try await environment.store.auditEvents(
            AuditQuery(subjectKind: "campaign", subjectID: "\(id.rawValue)", afterID: actions.last?.id, limit: 1))
        return (actions, !more.isEmpty)
    }

    /// The timeline's moments from the audit log and the ledger.
    static func when(_ campaign: Campaign, actions: [IncidentReport.Action], timeline: LedgerTimeline) -> IncidentReport.When {
        var when = IncidentReport.When(
            created: campaign.createdAt, firstDelivery: timeline.firstDelivery, lastDelivery: timeline.lastDelivery, stops: [],
            perMinute: timeline.minutes)
        for action in actions {
            if action.action.contains("approv"), when.approved == nil { when.approved = action.at }
            switch action.action {
            case "campaign.transition":
                guard case .string(let to)? = action.details["to"] else { continue }
                if ["pending", "canary", "sending"].contains(to), when.sendRequested == nil { when.sendRequested = action.at }
                if to == "pending", case .string(let deadline)? = action.details["deadline"], when.windowEnd == nil {
                    when.windowEnd = try? Date(deadline, strategy: .iso8601)
                }
                if to == "canary", when.canary == nil { when.canary = action.at }
                switch to {
                case "paused":
                    let reason: String
                    if case .string(let text)? = action.details["reason"] { reason = text } else { reason = "operator" }
                    when.stops.append(IncidentReport.Moment(at: action.at, actor: action.actor, what: "paused (\(reason))"))
                case "aborted", "cancelled":
                    var what = to
                    if case .string(let reason)? = action.details["reason"] { what += " (\(reason))" }
                    when.stops.append(IncidentReport.Moment(at: action.at, actor: action.actor, what: what))
                default: break
                }
            case "campaign.delivery-stopped":
                var what = "delivery stopped"
                if case .number(let after)? = action.details["completed_after_stop"] {
                    what += ": \(Int(after)) message(s) in flight completed after the stop"
                }
                when.stops.append(IncidentReport.Moment(at: action.at, actor: action.actor, what: what))
            default:
                if action.action.contains("brake") {
                    when.stops.append(IncidentReport.Moment(at: action.at, actor: action.actor, what: action.action))
                }
            }
        }
        return when
    }

    /// One attachment's facts; the size is read from the file only when it still holds the recorded content.
    static func attachmentFacts(_ reference: AttachmentReference) -> IncidentReport.AttachmentFacts {
        var facts = IncidentReport.AttachmentFacts(
            name: (reference.path as NSString).lastPathComponent, path: reference.path,
            mediaType: CampaignAttachmentFile.mediaType(forFile: reference.path), size: nil, sha256: reference.sha256, note: nil)
        do {
            facts.size = try CampaignAttachmentFile.load(reference).data.count
            if reference.sha256 == nil { facts.note = "no digest was recorded (campaign from an older version): the size is the file's now" }
        } catch {
            facts.note = "\(error)"
        }
        return facts
    }

    /// The template variables used (`{{name}}`, `{{{attributes.city}}}`, `{{#attributes.vip}}`…), sorted.
    static func templateFields(_ templates: [String]) -> [String] {
        var fields: Set<String> = []
        for template in templates {
            var rest = Substring(template)
            while let open = rest.range(of: "{{") {
                rest = rest[open.upperBound...]
                guard let close = rest.range(of: "}}") else { break }
                var name = rest[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                // Comments, partials, delimiter changes and pragmas name no field.
                if let first = name.first, "!>=%".contains(first) { name = "" }
                while let first = name.first, "{&#^/".contains(first) {
                    name.removeFirst()
                    name = name.trimmingCharacters(in: .whitespaces)
                }
                if let first = name.first, first.isLetter || first == "_" {
                    fields.insert(name.replacingOccurrences(of: "}", with: ""))
                }
                rest = rest[close.upperBound...]
            }
        }
        return fields.sorted()
    }

    /// One real recipient's copy (the first delivered, else the first that may have arrived), and the
    /// preflight's findings on it; or why there is none.
    private func sampleAndFindings(_ campaign: Campaign, recipients: Int) async -> (IncidentReport.Sample?, String?, [Finding]) {
        let store = environment.store
        do {
            var entry = try await store.ledgerPage(LedgerQuery(campaignID: campaign.id, states: [.sent], limit: 1)).first
            if entry == nil {
                entry = try await store.ledgerPage(LedgerQuery(campaignID: campaign.id, states: [.uncertain, .sending], limit: 1)).first
            }
            guard let entry else { return (nil, "nobody received it or may have: there is no copy to show", []) }
            let runner = try await environment.runner(for: campaign.id)
            let subscriber = try await store.subscriber(id: entry.subscriberID)
            let bytes = try runner.makeSample(entry, subscriber: subscriber).get()
            let message = try MIMEParser().parse(bytes)
            let token = try environment.tokens.issue(campaignID: campaign.id.rawValue, subscriberID: entry.subscriberID.rawValue).text
            let mask = { (text: String) in text.replacingOccurrences(of: token, with: "[unsubscribe-token]") }
            let leaves = message.allLeaves.filter { $0.contentDisposition?.type != "attachment" }
            let text = try leaves.first { $0.contentType.mediaType == "text/plain" }?.text()
            let html = try leaves.first { $0.contentType.mediaType == "text/html" }?.text()
            let subject = message.decodedHeader("Subject") ?? ""
            let sample = IncidentReport.Sample(
                recipient: entry.address.value, outcome: IncidentOutcome(entry), to: message.decodedHeader("To") ?? "",
                subject: subject, text: text.map(mask), html: html.map(mask))

            let factory = runner.factory
            var plan = SendPlan(
                subject: subject, text: text ?? "", html: html, eligibleRecipients: recipients,
                attachments: campaign.content.attachments.map {
                    PlannedAttachment(name: ($0.path as NSString).lastPathComponent, text: nil)
                })
            plan.kind = campaign.content.kind
            plan.transport = environment.configuration.upstreams.isEmpty ? .capture : .upstream
            plan.fromDomain = factory.identity.from.domain
            plan.postalAddress = factory.identity.postalAddress
            plan.unsubscribeURL = factory.identity.unsubscribe.httpsURL(token: token)
            plan.listUnsubscribe = message.headers["List-Unsubscribe"]
            plan.listUnsubscribePost = message.headers["List-Unsubscribe-Post"]
            if let signer = factory.signer {
                plan.dkimDomain = signer.configuration.domain
                plan.dkimSignedHeaders = signer.configuration.signedHeaders + signer.configuration.overSignedHeaders
            }
            let findings =
                MessageRules().check(message) + CampaignRules(thresholds: environment.configuration.guardrails.thresholds).check(plan)
            return (sample, nil, findings)
        } catch {
            return (nil, "the copy cannot be rebuilt now: \(error)", [])
        }
    }

    /// The content fingerprint approvals bind to (``CampaignFingerprint``), or why it cannot be computed now
    /// (an attachment changed or vanished, the DKIM key is gone).
    private func contentHash(_ campaign: Campaign) -> String {
        do {
            return try environment.fingerprint(of: campaign)
        } catch {
            return "unavailable: \(error)"
        }
    }
}
