public import BulkheadMail
import BulkheadPolicy
public import BulkheadStore

/// Connects a mailbox to an auto-responder after the fact (`bulkhead autoreply import`): every message
/// of the archive is recorded (``MailStore/importAutoResponderMail(responder:_:)``), none is answered,
/// and the report says what answering the backlog would have cost: a naive responder answers every
/// message, to its sender and everyone in To and Cc (story 000); an RFC 3834 responder without
/// backlog protection answers what ``AutoReplyRule`` allows, once per sender.
///
/// ```swift
/// let reader = try MboxReader(path: "backlog.mbox")
/// let report = try await MailboxImport(store: store, responder: responder).run(reader, dryRun: true)
/// print(report.naiveReplies, report.naivePeople, report.bulkheadReplies)   // 7000 9120 0
/// ```
public struct MailboxImport: Sendable {
    let store: any MailStore
    let responder: AutoResponding.Responder
    /// Messages recorded per transaction.
    let batchSize: Int

    public init(store: any MailStore, responder: AutoResponding.Responder, batchSize: Int = 500) {
        self.store = store
        self.responder = responder
        self.batchSize = batchSize
    }

    /// What an import found, and what it recorded.
    public struct Report: Sendable, Hashable, Codable {
        /// Messages read.
        public var messages = 0
        /// Messages skipped because they are larger than the reader's limit or cannot be read.
        public var skipped = 0
        /// Replies a naive responder would have sent (one per message with someone to answer).
        public var naiveReplies = 0
        /// Distinct people those replies would have reached (senders, To and Cc, our addresses excepted).
        public var naivePeople = 0
        /// Replies an RFC 3834 responder without backlog protection would have sent (one per sender).
        public var ruleReplies = 0
        /// Replies Bulkhead sends for an import: always 0.
        public var bulkheadReplies = 0
        /// Messages recorded in the store (0 for a dry run).
        public var recorded = 0
        /// Distinct senders among the messages.
        public var senders = 0
    }

    /// Reads `reader` to its end; records the messages unless `dryRun`.
    public func run(_ reader: any ArchiveReader, dryRun: Bool) async throws -> Report {
        var report = Report()
        var people = Set<String>()
        var senders = Set<String>()
        var answered = Set<String>()
        var batch: [ImportedAutoResponderMail] = []
        let ours = Set(([responder.address] + responder.aliases).compactMap { try? NormalizedAddress($0).value })
        while true {
            let message: ArchivedMessage
            do {
                guard let next = try reader.next() else { break }
                message = next
            } catch {
                report.skipped += 1
                continue
            }
            report.messages += 1
            let headers = (try? HeaderSectionParser.parse(message.bytes))?.0 ?? HeaderList()
            let from = Self.addresses(headers, fields: ["From"]).first
            let sender = Self.envelopeSender(message, headers: headers) ?? from ?? ""
            if !sender.isEmpty { senders.insert(NewAutoResponderMail.senderKey(sender)) }
            let everyone = ([sender] + Self.addresses(headers, fields: ["From", "Reply-To", "To", "Cc"])).compactMap {
                try? NormalizedAddress($0).value
            }.filter { !ours.contains($0) }
            if !everyone.isEmpty {
                report.naiveReplies += 1
                people.formUnion(everyone)
            }
            if case .reply(let to) = AutoReplyRule.decide(
                headers: headers, envelopeSender: sender, responderAddress: responder.address, aliases: responder.aliases)
            {
                if answered.insert(NewAutoResponderMail.senderKey(to)).inserted { report.ruleReplies += 1 }
            }
            batch.append(ImportedAutoResponderMail(sender: sender, messageID: MessageIDList.messageID(of: headers)))
            if batch.count >= batchSize {
                if !dryRun { report.recorded += try await store.importAutoResponderMail(responder: responder.address, batch) }
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !dryRun, !batch.isEmpty { report.recorded += try await store.importAutoResponderMail(responder: responder.address, batch) }
        report.naivePeople = people.count
        report.senders = senders.count
        return report
    }

    /// The envelope sender without brackets ("" for the null sender): the `Return-Path` the delivering
    /// MTA wrote, else the mbox separator's address (`MAILER-DAEMON` there is the null sender); nil
    /// when neither names one.
    static func envelopeSender(_ message: ArchivedMessage, headers: HeaderList) -> String? {
        if let path = headers["Return-Path"]?.trimmingCharacters(in: .whitespaces) {
            return path.hasPrefix("<") && path.hasSuffix(">") ? String(path.dropFirst().dropLast()) : path
        }
        guard let sender = message.envelopeSender, !sender.isEmpty else { return nil }
        return sender.lowercased() == "mailer-daemon" ? "" : sender
    }

    /// The addresses of the named fields, in order (fields that do not parse name nobody).
    static func addresses(_ headers: HeaderList, fields: [String]) -> [String] {
        headers.filter { field in fields.contains(where: field.hasName) }.flatMap { field in
            ((try? AddressList.parse(field.value)) ?? []).flatMap(\.mailboxes).map(\.address)
        }
    }
}
