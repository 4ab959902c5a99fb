import Foundation

/// Builds an automatic reply (RFC 3834) to one received message, with ``MessageBuilder``:
///
/// - `From:` the responder, `To:` the original's envelope sender only (RFC 3834 §4: never Cc, Reply-To
///   or a From that differs), and the envelope: recipient that same address, reverse-path null
///   (`MAIL FROM:<>`, RFC 3834 §3.3), so that nothing ever answers the reply, a bounce included;
/// - `Subject:` ``subject`` as configured; when nil, `Auto: ` and the original's subject (RFC 3834
///   §3.1.5; its control characters become spaces, at most ``originalSubjectLimit`` characters kept);
/// - `In-Reply-To:` the original's Message-ID and `References:` its References (or its single-identifier
///   In-Reply-To) then its Message-ID (RFC 5322 §3.6.4; at most ``referencesLimit`` identifiers: the
///   thread's first and the latest);
/// - `Auto-Submitted: auto-replied` (RFC 3834 §5), `X-Auto-Response-Suppress: All` (Microsoft's
///   responders do not answer it) and ``BulkheadLoop/headerName`` naming the responder (no Bulkhead
///   answers it);
/// - a fresh Message-ID at the responder's domain and the Date (both injectable), and ``text`` as a
///   text/plain UTF-8 body.
///
/// Every header text goes through ``MessageBuilder``'s checks: a configured subject holding CR, LF or
/// NUL throws, nothing from the original can add a field.
///
/// ```swift
/// let reply = AutoReplyBuilder(
///     responder: Mailbox(displayName: "Shop support", localPart: "support", domain: "shop.example"),
///     subject: "We received your message", text: "Thank you, we answer within a day.")
/// let built = try reply.build(replyingTo: received.headers, envelopeSender: "ann@example.org")
/// // built.mailFrom == "", built.recipient == "ann@example.org", built.bytes: the message
/// ```
public struct AutoReplyBuilder: Sendable {
    /// The address the reply is from: the auto-responder's own.
    public var responder: Mailbox
    /// The subject; nil for `Auto: ` and the original's subject.
    public var subject: String?
    /// The body, plain text.
    public var text: String
    /// The Date to write; the current time (UTC) when nil.
    public var date: MessageDate?
    /// The Message-ID to write; a random one at the responder's domain when nil.
    public var messageID: MessageID?

    /// The most characters of the original subject quoted after `Auto: `.
    public static let originalSubjectLimit = 200
    /// The most identifiers written in `References:`.
    public static let referencesLimit = 20

    public init(responder: Mailbox, subject: String? = nil, text: String) {
        self.responder = responder
        self.subject = subject
        self.text = text
    }

    /// Builds the reply to a message with header section `original` received from `envelopeSender`
    /// (its `MAIL FROM` or `Return-Path`, with or without angle brackets), drawing the Message-ID
    /// from the shared generator of ``MessageBuilder/build()``.
    public func build(replyingTo original: HeaderList, envelopeSender: String) throws(MessageBuildError) -> AutoReply {
        var generator = SharedMessageRandom.prefetch()
        return try build(replyingTo: original, envelopeSender: envelopeSender, using: &generator)
    }

    /// Builds the reply, drawing the Message-ID (when not set) from `generator`: a deterministic
    /// generator gives byte-exact output for tests. Throws ``MessageBuildError/invalidAddress(field:reason:)``
    /// (field `To`) for a null or unreadable envelope sender.
    public func build(
        replyingTo original: HeaderList, envelopeSender: String, using generator: inout some RandomNumberGenerator
    ) throws(MessageBuildError) -> AutoReply {
        let recipient = try Self.recipient(envelopeSender)
        let envelopeRecipient: String
        do throws(MailboxError) {
            envelopeRecipient = try recipient.envelopeAddress(smtputf8: true)
        } catch {
            throw MessageBuildError.invalidAddress(field: "To", reason: error.description)
        }
        var message = MessageBuilder(from: responder)
        message.to = [.mailbox(recipient)]
        message.subject = subject ?? Self.autoSubject(original: original["Subject"])
        message.textBody = text
        message.date = date
        message.messageID = messageID
        let parent = MessageIDList.parse(original.values(for: "Message-ID").joined(separator: " ")).first
        if let parent {
            try message.addFormattedHeader(name: "In-Reply-To", value: parent)
        }
        let references = Self.references(original: original, parent: parent)
        if !references.isEmpty {
            try message.addFormattedHeader(name: "References", value: references.joined(separator: " "))
        }
        try message.addFormattedHeader(name: "Auto-Submitted", value: "auto-replied")
        try message.addFormattedHeader(name: "X-Auto-Response-Suppress", value: "All")
        try message.addHeader(name: BulkheadLoop.headerName, value: responder.address)
        return AutoReply(mailFrom: "", recipient: envelopeRecipient, bytes: try message.build(using: &generator))
    }

    /// The mailbox of the envelope sender: `<a@b>` or `a@b`, white space around ignored.
    static func recipient(_ envelopeSender: String) throws(MessageBuildError) -> Mailbox {
        var text = envelopeSender.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("<") && text.hasSuffix(">") && text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        guard !text.isEmpty else {
            throw MessageBuildError.invalidAddress(field: "To", reason: "the envelope sender is null (<>): an automatic reply has nowhere to go")
        }
        do {
            return try Mailbox(parsingAddrSpec: text)
        } catch {
            throw MessageBuildError.invalidAddress(field: "To", reason: "envelope sender \(text): \(error)")
        }
    }

    /// `Auto: ` and the original subject, decoded, control characters as spaces, cut to
    /// ``originalSubjectLimit`` characters (`Auto: (no subject)` without one).
    public static func autoSubject(original: String?) -> String {
        let decoded = original.map(EncodedWords.decode) ?? ""
        let cleaned = String(
            decoded.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) }
        ).trimmingCharacters(in: .whitespaces)
        return "Auto: " + (cleaned.isEmpty ? "(no subject)" : String(cleaned.prefix(originalSubjectLimit)))
    }

    /// The identifiers of `References:` (RFC 5322 §3.6.4): the original's References, or its
    /// In-Reply-To when that holds exactly one identifier, then its Message-ID; the first and the
    /// last ``referencesLimit`` - 1 when longer.
    static func references(original: HeaderList, parent: String?) -> [String] {
        var identifiers = MessageIDList.parse(original.values(for: "References").joined(separator: " "))
        if identifiers.isEmpty {
            let inReplyTo = MessageIDList.parse(original.values(for: "In-Reply-To").joined(separator: " "))
            if inReplyTo.count == 1 { identifiers = inReplyTo }
        }
        if let parent { identifiers.append(parent) }
        guard identifiers.count > referencesLimit else { return identifiers }
        return [identifiers[0]] + identifiers.suffix(referencesLimit - 1)
    }
}

/// An automatic reply ready to hand to a transport: the envelope and the message.
public struct AutoReply: Sendable, Hashable {
    /// The reverse-path: always "" (`MAIL FROM:<>`, RFC 3834 §3.3), so a bounce or another
    /// responder's answer to the reply goes nowhere.
    public let mailFrom: String
    /// The only envelope recipient: the original's envelope sender (domain in A-label form).
    public let recipient: String
    /// The message, CRLF line ends.
    public let bytes: [UInt8]
}
