import BulkheadMail
import BulkheadStore
import Foundation

/// Story 000: a helpdesk is connected to a mailbox that already holds 7,000 messages, many with
/// others in Cc, and a naive auto-responder answers every one of them, and everyone in Cc. Here the
/// user's first auto-responder (else one at `support@` of the first inbound domain, with the user's
/// `autoreply_breaker`) is enabled in the sandbox; the mailbox is connected with `autoreply import`'s
/// own code (``MailboxImport``), and then its first ``redelivered`` messages arrive again over SMTP
/// (a fetcher handing the backlog to the helpdesk) through ``AutoResponding``, as the inbound listener
/// passes them. The relay deliverer then sends whatever was filed. Harm: the auto-replies that
/// reached the capture mailbox, and the people among their recipients who were only ever in Cc.
///
/// ```swift
/// let result = try await HelpdeskBacklogStory().run(configuration)
/// result.messagesLeft   // 0: the import answers nothing, the re-delivered backlog neither
/// ```
public struct HelpdeskBacklogStory: DrillStory {
    public let id = "000"
    public let title = "a helpdesk connected to a 7,000-message mailbox with Cc's"
    /// Messages in the mailbox.
    public static let messages = 7_000
    /// Of them, how many arrive again over SMTP (each one a transaction; the rest are judged the same
    /// way by construction: every message in the mailbox was written before the responder was enabled).
    public static let redelivered = 700
    /// The people who write (each message's sender and Cc's are drawn from them).
    static let people = 2_500

    public init() {}

    public func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult {
        try await DrillSandbox.with(configuration) { sandbox in
            let environment = sandbox.environment
            let fromDomain = try configuration.fromMailbox.domain
            let domain = environment.inboundDomains.first ?? fromDomain
            var settings =
                configuration.autoresponders.first
                ?? BulkheadConfiguration.AutoResponder(address: "support@\(domain)", textFile: "-", forwardTo: "helpdesk@\(domain)")
            settings.forwardTo = "helpdesk@\(domain)"
            settings.maildir = nil
            let responder = AutoResponding.Responder(
                address: try NormalizedAddress(settings.address), mailbox: try Mailbox(parsingAddrSpec: settings.address),
                aliases: settings.aliases, subject: settings.subject, text: "We received your message and answer within a day.",
                destination: .forward(settings.forwardTo ?? ""), limits: configuration.autoReplyLimits(settings))
            let responding = AutoResponding(
                store: environment.store, responders: [responder], signers: nil, doorbell: nil, alerts: nil, clock: sandbox.clock,
                logger: environment.logger)
            try await responding.enable()

            let backlog = (0..<Self.messages).map { Self.message($0, to: responder.address, enabledAt: sandbox.clock.date) }
            let mbox = (environment.configuration.dataDirectory as NSString).appendingPathComponent("backlog.mbox")
            try Data(backlog.flatMap(\.mboxEntry)).write(to: URL(fileURLWithPath: mbox))
            let imported = try await MailboxImport(store: environment.store, responder: responder).run(try MboxReader(path: mbox), dryRun: false)
            for message in backlog.prefix(Self.redelivered) {
                let headers = try HeaderSectionParser.parse(message.bytes).0
                _ = try await responding.receive(message.bytes, headers: headers, for: responder, mailFrom: message.sender, clientAddress: nil)
            }
            let deliverer = environment.relayDeliverer(worker: "drill")
            while try await deliverer.pass() > 0 {}

            let senders = Set(backlog.map(\.sender))
            let replies = try sandbox.captured().filter {
                $0.isAutoReply && $0.message?.headers["From"]?.lowercased().contains(responder.address) == true
            }.map(\.recipient)
            let ccOnly = Set(replies.filter { !senders.contains($0) })
            let guardrail =
                replies.isEmpty
                ? "backlog-safe auto-responder: the import recorded \(imported.recorded.formatted()) messages without a reply, "
                    + "the \(Self.redelivered) re-delivered got none (a naive responder: \(imported.naiveReplies.formatted()) replies to \(imported.naivePeople.formatted()) people)"
                : "none"
            return DrillResult(
                id: id, title: title, guardrail: guardrail, messagesLeft: replies.count, peopleExposed: ccOnly.count,
                scaledNote:
                    "\(Self.redelivered) of the \(Self.messages.formatted()) messages were re-delivered over SMTP; every one of them was written before the responder was enabled, so the rest fare the same"
            )
        }
    }

    /// One backlog message: its sender, its mbox entry and its octets.
    struct BacklogMessage {
        var sender: String
        var bytes: [UInt8]
        var mboxEntry: [UInt8]
    }

    /// Message `number` of the backlog: written 1-180 days before `enabledAt`, from one of ``people``,
    /// with 0-4 others in Cc (arithmetic, so every drill judges the same mailbox).
    static func message(_ number: Int, to responder: String, enabledAt: Date) -> BacklogMessage {
        let sender = person(number * 7_919)
        let cc = (0..<(number % 5)).map { person(number * 31 + $0 * 977 + 1) }.filter { $0 != sender }
        let written = MessageDate(enabledAt.addingTimeInterval(-Double(86_400 * (1 + number % 180) + number % 86_400)))
        var lines = ["Return-Path: <\(sender)>", "From: <\(sender)>", "To: <\(responder)>"]
        if !cc.isEmpty { lines.append("Cc: " + cc.joined(separator: ", ")) }
        lines += [
            "Subject: Order \(number)", "Date: \(written.formatted)", "Message-ID: <drill-000-\(number)@customers.example>", "",
            "Hello, my order \(number) has not arrived yet.", "",
        ]
        let bytes = Array(lines.joined(separator: "\r\n").utf8)
        let entry = Array("From \(sender) Mon Jun  2 10:00:00 2025\n".utf8) + Array(lines.joined(separator: "\n").utf8) + Array("\n".utf8)
        return BacklogMessage(sender: sender, bytes: bytes, mboxEntry: entry)
    }

    static func person(_ seed: Int) -> String { "customer\(seed % people)@customers.example" }
}
