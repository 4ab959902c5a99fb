import BulkheadPolicy
import BulkheadSMTP
import BulkheadStore
import Foundation

/// Story 003: a "test" to an 840,000-member distribution list, then a reply-all storm. A member
/// posts `Subject: test` to a hosted list (created without `--policy`, so its size decides) through
/// the inbound listener's router; if the post reaches the members, 50 of them reply to all, a minute
/// apart, and every post the list takes goes out through the relay's deliverer.
///
/// **Scaled down, exact by construction:** the list has ``members`` members (1,000 by default),
/// or more when a configured size threshold (`lists.moderate_from_members`,
/// `lists.storm.min_members`, `guardrails.test_mail_error_recipients`) lies between that and 840,000,
/// so that every rule judges it on the same side as the real list. The other members of the real
/// list would be passive members like the sample's: each post that was distributed reaches each of
/// them too, so messages = the copies measured + posts distributed × (840,000 − members).
///
/// ```swift
/// let result = try await TestToHugeListStory().run(configuration)
/// result.guardrail   // "list held the post (list.moderated, test-mail.to-many)" on the defaults
/// ```
public struct TestToHugeListStory: DrillStory {
    public let id = "003"
    public let title = "a \"test\" to an 840,000-member list, then 50 reply-alls"
    /// The real list's size.
    public static let listSize = 840_000
    /// The members who reply to all.
    public static let replies = 50
    /// The sample's size before the configured thresholds are taken into account.
    public var members: Int

    public init(members: Int = 1_000) {
        self.members = members
    }

    /// The sample's size under `configuration`: at least every size threshold the real list reaches.
    public func sampleSize(_ configuration: BulkheadConfiguration) -> Int {
        let thresholds = [
            configuration.lists.moderateFromMembers, configuration.lists.storm.minMembers, configuration.guardrails.testMailErrorRecipients,
        ]
        return ([max(members, Self.replies + 1)] + thresholds.filter { $0 <= Self.listSize }).max() ?? members
    }

    public func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult {
        let size = sampleSize(configuration)
        return try await DrillSandbox.with(configuration) { sandbox in
            let environment = sandbox.environment
            let store = environment.store
            let domain = environment.inboundDomains.first ?? "localhost.localdomain"
            let address = try NormalizedAddress("all-staff@\(domain)")
            let list = try await store.createHostedList(
                name: "all staff", description: "bulkhead drill 003", hosting: ListHosting(address: address, policy: nil),
                actor: DrillCampaign.actor)
            let colleagues = DrillSandbox.audience(size, prefix: "colleague")
            try await sandbox.addMembers(colleagues, to: list.listID)
            let router = try environment.inboundRouter()
            let deliverer = environment.relayDeliverer(worker: "drill")
            let session = SMTPServerSessionInfo(connection: SMTPServerConnectionInfo(remoteAddress: "198.51.100.25"), heloName: "mx.example.net")
            let test = DrillSubmission.message(
                ["From: \(colleagues[0])", "To: \(address.value)", "Subject: test", "Message-ID: <drill-003-test@example.net>"], text: "test\n")
            var refusals = try await DrillSubmission(from: colleagues[0], to: [address.value], bytes: test).submit(to: router, session: session)
            while try await deliverer.pass() > 0 {}
            // Who got the test may answer it, to everyone.
            let reached = Set(try sandbox.delivered(to: Set(colleagues)).map(\.recipient))
            for replier in colleagues[1...Self.replies] where reached.contains(replier) {
                sandbox.clock.advance(by: .seconds(60))
                let reply = DrillSubmission.message(
                    [
                        "From: \(replier)", "To: \(address.value)", "Subject: Re: test", "Message-ID: <drill-003-\(replier)>",
                        "In-Reply-To: <drill-003-test@example.net>", "References: <drill-003-test@example.net>",
                    ],
                    text: "Please take me off this list.\n")
                refusals += try await DrillSubmission(from: replier, to: [address.value], bytes: reply).submit(to: router, session: session)
                while try await deliverer.pass() > 0 {}
            }
            let copies = try sandbox.delivered(to: Set(colleagues))
            let posts = Set(copies.compactMap { $0.message?.headers["Message-ID"] }).count
            let held = try await store.relayMessages(states: [.held], before: nil, limit: Self.replies + 1)
            return DrillResult(
                id: id, title: title, guardrail: Self.guardrail(held: held, refusals: refusals),
                messagesLeft: copies.count + posts * (Self.listSize - size), peopleExposed: try sandbox.exposed(in: copies).count,
                scaledNote:
                    "a list of \(DrillReport.grouped(size)) members stands for \(DrillReport.grouped(Self.listSize)): each post that went out counts one copy per member of the real list (\(DrillReport.grouped(copies.count)) copies measured, \(posts) post(s) distributed)"
            )
        }
    }

    /// What stopped the posts: the list's holds (with their reasons) and refusals (a storm block), or nothing.
    static func guardrail(held: [RelayMessageRecord], refusals: [SMTPReply]) -> String {
        func reasons(_ record: RelayMessageRecord) -> String {
            let codes = record.findings.filter { $0.severity >= .approval }.map(\.code)
            return (record.holdReason == .findings && !codes.isEmpty ? codes : [record.holdReason?.rawValue ?? "held"]).uniquedList()
        }
        var parts: [String] = []
        if let test = held.first(where: { $0.subject == "test" }) { parts.append("list held the test (\(reasons(test)))") }
        let replies = held.filter { $0.subject != "test" }
        if let reply = replies.first { parts.append("list held \(replies.count) replies (\(reasons(reply)))") }
        if !refusals.isEmpty {
            let storm = refusals.filter { $0.lines.first?.contains("storm") ?? false }.count
            parts.append(storm > 0 ? "reply-all storm block refused \(storm) replies" : "\(refusals.count) post(s) refused")
        }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }
}
