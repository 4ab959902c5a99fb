import BulkheadMail
import BulkheadStore

/// Story 004: a sales rep's commercial mail to several dozen customers with no opt-out, no postal
/// address, no control. The rep writes a monologue about the products (no unsubscribe link, no
/// address) and sends it as a commercial campaign to 40 customers with `campaign send --confirm 40`;
/// nobody stops it. Harm: the copies that reached the capture mailbox without the configured postal
/// address, a visible https unsubscribe link or a `List-Unsubscribe` field (Bulkhead adds them to
/// every copy when the identity has them; the preflight refuses commercial mail without them).
///
/// ```swift
/// let result = try await NonCompliantCampaignStory().run(configuration)
/// result.guardrail   // "preflight refused it (compliance.postal-address-unset, …)" on the defaults
/// ```
public struct NonCompliantCampaignStory: DrillStory {
    public let id = "004"
    public let title = "a commercial campaign without postal address or unsubscribe"
    /// The customers the rep mails.
    public static let customers = 40

    public init() {}

    public func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult {
        try await DrillSandbox.with(configuration) { sandbox in
            let store = sandbox.environment.store
            let customers = DrillSandbox.audience(Self.customers, prefix: "customer")
            let list = try await store.createList(name: "my customers", description: "bulkhead drill 004")
            try await sandbox.addMembers(customers, to: list.id)
            let content = CampaignContent(
                name: "product news", listID: list.id, from: "", subjectTemplate: "Our new product line",
                textTemplate: "Dear customer,\n\nour new product line is the best on the market. Call me to order!\n\nBob, Sales\n",
                kind: .commercial)
            let stopped = try await DrillCampaign(sandbox: sandbox).send(content, stopAfter: nil)
            let copies = try sandbox.delivered(to: Set(customers))
            let postal = configuration.identity.postalAddress
            let bad = copies.filter { !Self.isCompliant($0, postalAddress: postal) }
            let guardrail =
                stopped
                ?? (copies.isEmpty || !bad.isEmpty ? "none" : "\(copies.count) copies went, each with the postal address and an unsubscribe link")
            return DrillResult(
                id: id, title: title, guardrail: guardrail, messagesLeft: bad.count, peopleExposed: try sandbox.exposed(in: copies).count)
        }
    }

    /// Whether a copy carries `postalAddress` and its https unsubscribe link in its text, and a `List-Unsubscribe` field.
    static func isCompliant(_ copy: DeliveredCopy, postalAddress: String?) -> Bool {
        guard let message = copy.message, let postal = postalAddress?.trimmingCharacters(in: .whitespaces), !postal.isEmpty,
            let header = message.decodedHeader("List-Unsubscribe"), let link = CampaignPreflight.httpsURI(header),
            let text = try? message.firstEntity(mediaType: "text/plain")?.text()
        else { return false }
        return text.contains(postal) && text.contains(link)
    }
}
