import BulkheadPolicy
import BulkheadSMTP
import BulkheadStore
import Foundation

/// Story 002: a shop mails its offer with every customer's address in To. The newsletter names 60
/// customers in To and goes to the guard relay from an authenticated client, as a mail program
/// would send it; nobody recalls it (the mistake was found "after the email was sent"), so once any
/// bulk undo window is over the relay's deliverer runs. Harm: the copies that reached the capture
/// mailbox and the customers one of them showed to another.
///
/// ```swift
/// let result = try await ExposedNewsletterStory().run(configuration)
/// result.guardrail   // "relay held it (relay.exposure)" on the defaults
/// ```
public struct ExposedNewsletterStory: DrillStory {
    public let id = "002"
    public let title = "a newsletter with 60 customers in To, through the relay"
    /// The customers in To.
    public static let customers = 60

    public init() {}

    public func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult {
        try await DrillSandbox.with(configuration) { sandbox in
            let environment = sandbox.environment
            let customers = DrillSandbox.audience(Self.customers, prefix: "customer")
            let shop = try configuration.fromMailbox.address
            let newsletter = DrillSubmission.message(
                [
                    "From: \(shop)", "To: " + customers.joined(separator: ",\r\n "), "Subject: Free socks with every order this week",
                    "Message-ID: <drill-002@\(try configuration.fromMailbox.domain)>",
                ],
                text: "Hello!\n\nThis week every order comes with a free pair of socks.\n")
            let session = SMTPServerSessionInfo(
                connection: SMTPServerConnectionInfo(remoteAddress: "192.0.2.10"), heloName: "shop-pc", isESMTP: true, authenticatedUser: "shop")
            let refused = try await DrillSubmission(from: shop, to: customers, bytes: newsletter)
                .submit(to: try environment.relayGateway(doorbell: RelayDoorbell()), session: session)
            sandbox.clock.advance(by: .seconds(Int64(configuration.relay.bulkUndoSeconds) + 1))
            let deliverer = environment.relayDeliverer(worker: "drill")
            while try await deliverer.pass() > 0 {}
            let copies = try sandbox.delivered(to: Set(customers))
            let filed = try await environment.store.relayMessages(states: nil, before: nil, limit: 1).first
            return DrillResult(
                id: id, title: title, guardrail: Self.guardrail(filed, refused: refused), messagesLeft: copies.count,
                peopleExposed: try sandbox.exposed(in: copies).count)
        }
    }

    /// What stopped the newsletter: the relay's hold (and its reasons), a refusal, or nothing.
    static func guardrail(_ filed: RelayMessageRecord?, refused: [SMTPReply]) -> String {
        if let reply = refused.first { return "relay refused it (\(reply.code) \(reply.lines.first ?? ""))" }
        guard let filed, filed.state == .held else { return "none" }
        let codes = filed.findings.filter { $0.severity >= .approval }.map(\.code)
        let reasons = filed.holdReason == .findings ? codes : [filed.holdReason?.rawValue ?? "held"]
        return "relay held it (\(reasons.uniquedList()))"
    }
}
