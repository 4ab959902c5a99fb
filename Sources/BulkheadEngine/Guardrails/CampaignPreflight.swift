import BulkheadMail
public import BulkheadPolicy
public import BulkheadStore
import Foundation

/// Everything `campaign preflight` shows and `campaign send` enforces: who a send would reach and
/// who is left out, the findings of every guardrail rule, and what the send still needs.
public struct PreflightReport: Sendable, Codable {
    /// The campaign.
    public var campaign: Int64
    /// Its state when checked.
    public var state: CampaignState
    /// Where the messages would go.
    public var transport: PlannedTransport
    /// Who a send would queue now, and who is left out and why (rule 6).
    public var audience: AudienceCounts
    /// Every finding, most severe first.
    public var findings: [Finding]
    /// The fields missing per recipient and the recipients whose message cannot be built (rule 3):
    /// field → count and the first 20 addresses.
    public var missingFields: [String: RecipientTally]
    /// Recipients whose message cannot be built (left out).
    public var unbuildable: RecipientTally
    /// What the send still needs.
    public var requirements: SendRequirements

    /// True when `send` would go ahead.
    public var mayGo: Bool { requirements.mayGo }
}

/// Runs every campaign guardrail rule without changing anything: the audience is counted and read
/// from the store, one real recipient's message is built and checked, every recipient's fields are
/// checked, and the findings add up to ``SendRequirements``.
///
/// ```swift
/// let report = try await CampaignPreflight(environment: environment).run(campaign, confirmed: 1_200)
/// if !report.mayGo { print(report.requirements.unmet) }
/// ```
public struct CampaignPreflight: Sendable {
    /// How many subscribers one store read returns during the pass over the audience.
    static let pageSize = 2_000

    let environment: BulkheadEnvironment
    /// Where the rules judge the messages to go (nil: where the configuration sends them).
    let judgedTransport: PlannedTransport?

    /// A preflight over `environment`'s store and configuration. `judgedTransport` judges the send as
    /// if it went there: `bulkhead drill` keeps its copies in a capture mailbox but judges them as
    /// bound for a real upstream, so it gets none of the capture mailbox's relaxations.
    ///
    /// ```swift
    /// let report = try await CampaignPreflight(environment: drillEnvironment, judgedTransport: .upstream).run(campaign)
    /// ```
    public init(environment: BulkheadEnvironment, judgedTransport: PlannedTransport? = nil) {
        self.environment = environment
        self.judgedTransport = judgedTransport
    }

    /// What an approval needs while no user exists.
    public static let noUsers = "no users exist, so nobody can approve: \(UserHints.createUsers)"

    /// Checks `campaign`; `confirmed` is the count typed with `--confirm`. The overrides recorded for it
    /// (`send --override`) turn their `error` findings into `approval` ones; an approval that still
    /// counts (``ApprovalStatus``) meets them.
    public func run(_ campaign: Campaign, confirmed: Int? = nil) async throws -> PreflightReport {
        let store = environment.store
        let configuration = environment.configuration
        let transport: PlannedTransport = judgedTransport ?? (configuration.upstreams.isEmpty ? .capture : .upstream)
        // The audience is counted (one read) while every recipient's fields are checked (the pass).
        async let counted = audienceCounts(campaign)
        var findings: [Finding] = []
        let factory: CampaignMessageFactory?
        do {
            factory = try await environment.messageFactory(for: campaign)
        } catch {
            factory = nil
            findings.append(
                Finding(
                    code: "campaign.unbuildable", severity: .error, message: "the campaign's messages cannot be built: \(error)",
                    fix: "fix the campaign or the configuration named in the message"))
        }
        let first = try await store.audienceMembers(campaign: campaign.id, after: nil, limit: 1).members.first
        var planned: (plan: SendPlan, findings: [Finding])?
        var check: RecipientFieldCheck?
        if let factory {
            var plan = SendPlan(subject: "", text: "", html: nil, eligibleRecipients: 0)
            plan.kind = campaign.content.kind
            plan.transport = transport
            plan.postalAddress = configuration.identity.postalAddress
            plan.fromDomain = factory.identity.from.domain
            // The factory loaded them too: they are the same files, pinned by their SHA-256 at creation.
            plan.attachments = try campaign.content.attachments.map { reference in
                let attachment = try CampaignAttachmentFile.load(reference)
                let type = attachment.mediaType.lowercased()
                let isText = type.hasPrefix("text/") || type.hasSuffix("json") || type.hasSuffix("xml")
                return PlannedAttachment(name: attachment.filename, text: isText ? String(decoding: attachment.data, as: UTF8.self) : nil)
            }
            let sampled = try first.map { try sample(factory, campaign: campaign, recipient: $0, plan: &plan) } ?? []
            planned = (plan, sampled)
            check = try await fieldPass(campaign, factory)
        }
        let audience = try await counted
        if audience.eligible == 0 {
            findings.append(
                Finding(
                    code: "audience.empty", severity: .error, message: "nobody on the list is eligible: a send would reach no one",
                    fix: "check the list and its members' consent (the excluded counts say why)"))
        }
        if case (var plan, let sampled)? = planned {
            plan.eligibleRecipients = audience.eligible
            findings += sampled + CampaignRules(thresholds: configuration.guardrails.thresholds).check(plan)
        }
        findings += check?.findings() ?? []
        return try await report(campaign, transport, audience, findings, check, confirmed)
    }

    /// Who the campaign would reach and who is left out: its list's audience, or for a follow-up, who
    /// received the incident or may have.
    private func audienceCounts(_ campaign: Campaign) async throws -> AudienceCounts {
        guard let incident = campaign.content.followUpOf else { return try await environment.store.audience(campaign: campaign.id) }
        let followUp = try await environment.store.followUpAudience(incident: incident)
        return AudienceCounts(eligible: followUp.remaining, excluded: followUp.optedOutSince > 0 ? [.unsubscribed: followUp.optedOutSince] : [:])
    }

    /// Rule 3's pass over every recipient a send would queue (for a follow-up, its incident's). Two
    /// stages on two cores, off the event loops: the next page is read and its rows decoded while this
    /// one is checked (keyset paging needs only where the page ended).
    private func fieldPass(_ campaign: Campaign, _ factory: CampaignMessageFactory) async throws -> RecipientFieldCheck {
        let store = environment.store
        var check = RecipientFieldCheck(
            templates: factory.templates, campaignName: campaign.content.name, postalAddress: environment.configuration.identity.postalAddress)
        let pageSize = Self.pageSize
        try await withTaskExecutorPreference(ComputeExecutor.shared) {
            var page = try await store.audienceMembers(campaign: campaign.id, after: nil, limit: pageSize)
            while let next = page.next {
                async let following = store.audienceMembers(campaign: campaign.id, after: next, limit: pageSize)
                for subscriber in page.members { check.add(subscriber) }
                page = try await following
            }
            for subscriber in page.members { check.add(subscriber) }
        }
        return check
    }

    /// The findings (and rule 6's), overrides applied, sorted most severe first, and what they require.
    private func report(
        _ campaign: Campaign, _ transport: PlannedTransport, _ audience: AudienceCounts, _ findings: [Finding],
        _ check: RecipientFieldCheck?, _ confirmed: Int?
    ) async throws -> PreflightReport {
        let store = environment.store
        let overridden = Set(try await store.overrides(campaign: campaign.id).map(\.code))
        let all = OverridePolicy.apply(overridden: overridden, to: findings + exclusionFindings(audience), eligible: audience.eligible)
        let sorted = all.mostSevereFirst()
        var approvedBy: String?
        var approvalProblem: String?
        if sorted.contains(where: { $0.severity == .approval }) {
            if try await store.allUsers().isEmpty {
                approvalProblem = Self.noUsers
            } else {
                let status = try await environment.approvalStatus(for: campaign, eligible: audience.eligible)
                if case .approved(let by, _, _) = status { approvedBy = by } else { approvalProblem = "\(status)" }
            }
        }
        return PreflightReport(
            campaign: campaign.id.rawValue, state: campaign.state, transport: transport, audience: audience, findings: sorted,
            missingFields: check?.missing ?? [:], unbuildable: check?.unbuildable ?? RecipientTally(),
            requirements: SendRequirements(
                sorted, recipients: audience.eligible, approvedBy: approvedBy, approvalProblem: approvalProblem, confirmed: confirmed))
    }

    /// Builds the first eligible recipient's message, fills the plan from it and checks it with the
    /// message rules. Towards the capture mailbox, the message rules' errors are warnings (nothing
    /// leaves the machine), except a recipient exposed to another, which is never acceptable.
    private func sample(_ factory: CampaignMessageFactory, campaign: Campaign, recipient: Subscriber, plan: inout SendPlan) throws -> [Finding] {
        let context = RecipientContext(
            mailbox: try recipient.address.mailbox, name: recipient.name, attributes: recipient.attributes.mapValues(TemplateValue.init))
        let token = try environment.tokens.issue(campaignID: campaign.id.rawValue, subscriberID: recipient.id.rawValue)
        let message: CampaignMessage
        do {
            message = try factory.makeMessage(for: context, verpToken: "preflight", unsubscribeToken: token.text)
        } catch {
            return [
                Finding(
                    code: "campaign.unbuildable", severity: .error, message: "the first recipient's message cannot be built: \(error)",
                    fix: "fix the templates or that subscriber's fields")
            ]
        }
        let entity: MIMEEntity
        do {
            entity = try MIMEParser().parse(message.bytes)
        } catch {
            return [Finding(code: "campaign.unparsable", severity: .error, message: "the sample message does not parse: \(error)")]
        }
        plan.subject = entity.decodedHeader("Subject") ?? ""
        plan.text = (try? entity.firstEntity(mediaType: "text/plain")?.text()) ?? ""
        plan.html = try? entity.firstEntity(mediaType: "text/html")?.text()
        plan.listUnsubscribe = entity.decodedHeader("List-Unsubscribe")
        plan.listUnsubscribePost = entity.decodedHeader("List-Unsubscribe-Post")
        plan.unsubscribeURL = plan.listUnsubscribe.flatMap(Self.httpsURI)
        if let value = entity.headers.values(for: "DKIM-Signature").first, let summary = try? DKIMSignatureSummary(parsing: value) {
            plan.dkimDomain = summary.domain
            plan.dkimSignedHeaders = summary.signedHeaders
        }
        // Rule 2 judges test mail, and rule 5 an unsigned commercial message: their message-rule twins are left out.
        let twins: Set<String> = campaign.content.kind == .commercial ? ["subject.looks-like-test", "dkim.missing"] : ["subject.looks-like-test"]
        let messageFindings = MessageRules().check(entity).filter { !twins.contains($0.code) }
        guard plan.transport == .capture else { return messageFindings }
        return messageFindings.map { finding in
            guard finding.severity == .error, finding.code != "recipients.exposed" else { return finding }
            return Finding(
                code: finding.code, severity: .warning, message: finding.message + " (an error towards a real upstream)",
                location: finding.location, fix: finding.fix)
        }
    }

    /// The `https:` URI of a `List-Unsubscribe` value, if any.
    static func httpsURI(_ value: String) -> String? {
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let uri = rest[rest.index(after: open)..<close]
            if uri.lowercased().hasPrefix("https:") { return String(uri) }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }

    /// Rule 6: who is left out and why, as one informational finding.
    private func exclusionFindings(_ audience: AudienceCounts) -> [Finding] {
        guard audience.excludedTotal > 0 else { return [] }
        let parts = AudienceCounts.Exclusion.allCases.compactMap { reason in
            audience.excluded[reason].map { "\($0) \(reason.rawValue)" }
        }
        let message =
            "\(audience.excludedTotal) member(s) of the list are left out: \(parts.joined(separator: ", ")); "
            + "only confirmed members with a consent record who are not suppressed are eligible"
        return [Finding(code: "audience.excluded", severity: .info, message: message)]
    }
}
