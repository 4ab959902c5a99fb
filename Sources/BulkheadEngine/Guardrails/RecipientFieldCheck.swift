import BulkheadPolicy
import BulkheadStore

/// Guardrail rule 3, every recipient renders: fed every recipient of the audience in turn, it counts
/// per template field the recipients with no value for it (a missing `{{first_name}}` reads "Hello ,")
/// and the recipients whose message cannot be built at all (the runner fails those, so they are left
/// out). Memory is bounded: counts, plus the first ``exampleLimit`` addresses of each kind.
///
/// ```swift
/// var check = RecipientFieldCheck(templates: templates, sources: [subject, text], campaignName: "spring")
/// for subscriber in page { check.add(subscriber) }
/// check.findings(total: 1_000)
/// ```
struct RecipientFieldCheck {
    /// How many addresses each kind of problem lists.
    static let exampleLimit = 20

    let templates: CampaignTemplates
    let campaignName: String
    let postalAddress: String?
    /// The recipient-dependent fields the templates use (`name`, `first_name`, `attributes.…`), or nil
    /// when a template uses sections or other tags whose fields cannot be listed.
    let fields: [[String]]?
    private(set) var checked = 0
    private(set) var missing: [String: RecipientTally] = [:]
    private(set) var unbuildable = RecipientTally()
    private(set) var unbuildableReasons: [String: Int] = [:]

    init(templates: CampaignTemplates, campaignName: String, postalAddress: String?) {
        self.templates = templates
        self.campaignName = campaignName
        self.postalAddress = postalAddress
        var fields: [[String]] = []
        var listable = true
        for source in [templates.subjectSource, templates.textSource, templates.htmlSource].compactMap({ $0 }) {
            guard let paths = SegmentedTemplate.variablePaths(in: source) else {
                listable = false
                continue
            }
            for path in paths where Self.dependsOnRecipient(path) && !fields.contains(path) { fields.append(path) }
        }
        self.fields = listable ? fields : nil
    }

    /// `name`, `first_name` and `attributes.…` change per recipient and may be empty; the address, the
    /// unsubscribe link and the campaign name never are (a missing postal address is rule 5's).
    private static func dependsOnRecipient(_ path: [String]) -> Bool {
        CampaignTemplateContext.isPlainValuePath(path) && (path.first == "attributes" || path == ["name"] || path == ["first_name"])
    }

    /// Checks one recipient.
    mutating func add(_ subscriber: Subscriber) {
        checked += 1
        let address = subscriber.address.value
        let recipient: RecipientContext
        do {
            recipient = RecipientContext(
                mailbox: try subscriber.address.mailbox, name: subscriber.name, attributes: subscriber.attributes.mapValues(TemplateValue.init))
        } catch {
            unbuildable.add(address)
            unbuildableReasons["the stored address cannot be read back", default: 0] += 1
            return
        }
        let context = CampaignTemplateContext(
            recipient: recipient, unsubscribeURL: "https://preflight.invalid/u/x", campaignName: campaignName, postalAddress: postalAddress)
        do {
            _ = try templates.renderSubject(context)  // only the subject's rendering can fail
        } catch {
            unbuildable.add(address)
            unbuildableReasons["\(error)", default: 0] += 1
            return
        }
        for path in fields ?? [] where context.plainValue(at: path)?.isEmpty ?? false {
            missing[path.joined(separator: "."), default: RecipientTally()].add(address)
        }
    }

    /// The findings of the pass over `checked` recipients.
    func findings() -> [Finding] {
        var findings: [Finding] = []
        if fields == nil {
            findings.append(
                Finding(
                    code: "render.fields-unchecked", severity: .info,
                    message: "the templates use sections or other tags, so which fields each recipient needs was not checked"))
        }
        for (field, tally) in missing.sorted(by: { $0.key < $1.key }) {
            findings.append(
                Finding(
                    code: "render.missing-field", severity: .warning,
                    message:
                        "\(tally.count) of \(checked) recipient(s) have no value for {{\(field)}}: their message shows nothing there (first: \(tally.examples.prefix(3).joined(separator: ", ")))",
                    location: "{{\(field)}}", fix: "give those subscribers the field, or write the template so that it reads well without it"))
        }
        if unbuildable.count > 0 {
            let reasons = unbuildableReasons.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: "; ")
            findings.append(
                Finding(
                    code: "render.unbuildable", severity: .warning,
                    message:
                        "the message of \(unbuildable.count) of \(checked) recipient(s) cannot be built; they are left out (recorded as failed, code 0): \(reasons)",
                    fix: "fix those subscribers' fields (e.g. a line break in a value used in the subject)"))
        }
        return findings
    }
}

/// How many recipients have one problem, and the first of them (at most 20).
public struct RecipientTally: Sendable, Hashable, Codable {
    /// How many recipients.
    public var count = 0
    /// The first addresses, in key order.
    public var examples: [String] = []

    mutating func add(_ address: String) {
        count += 1
        if examples.count < RecipientFieldCheck.exampleLimit { examples.append(address) }
    }
}
