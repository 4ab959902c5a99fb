import BulkheadStore

/// Story 001: a mass mail sent by mistake ("check whether the batch has actually been sent, shut it
/// down before too many go out"). A transactional notice meant for one customer goes to a list of
/// 100,000 through `campaign send --confirm 100000` (the sender types the count shown); the operator
/// notices two minutes later and aborts it. Harm: the copies that reached the capture mailbox before
/// the abort — the whole audience once a wave starts, since the capture mailbox takes messages in
/// no simulated time.
///
/// ```swift
/// let result = try await MistakenCampaignStory().run(configuration)
/// result.guardrail   // "preflight refused it (audience.approval)" on the defaults
/// ```
public struct MistakenCampaignStory: DrillStory {
    public let id = "001"
    public let title = "a 100,000-recipient campaign started by mistake, noticed after two minutes"
    /// The list's size: 100,000 as in the story; tests may use fewer (the figures are then that audience's).
    public var recipients: Int
    /// When the operator notices and aborts.
    public static let noticedAfter = Duration.seconds(120)

    public init(recipients: Int = 100_000) {
        self.recipients = recipients
    }

    public func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult {
        try await DrillSandbox.with(configuration) { sandbox in
            let store = sandbox.environment.store
            let audience = DrillSandbox.audience(recipients, prefix: "customer")
            let list = try await store.createList(name: "all customers", description: "bulkhead drill 001")
            try await sandbox.addMembers(audience, to: list.id)
            let content = CampaignContent(
                name: "shipping notice", listID: list.id, from: "", subjectTemplate: "Your order has shipped",
                textTemplate: "Hello,\n\nyour order 4711 has shipped and will arrive on Thursday.\n", kind: .transactional)
            let stopped = try await DrillCampaign(sandbox: sandbox).send(content, stopAfter: Self.noticedAfter)
            let copies = try sandbox.delivered(to: Set(audience))
            return DrillResult(
                id: id, title: title, guardrail: stopped ?? "none", messagesLeft: copies.count, peopleExposed: try sandbox.exposed(in: copies).count,
                scaledNote: recipients == 100_000 ? nil : "run with \(recipients) recipients; the figures are that audience's")
        }
    }
}
