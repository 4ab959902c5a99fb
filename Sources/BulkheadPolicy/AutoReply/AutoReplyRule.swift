public import BulkheadMail

/// The RFC 3834 decision of an auto-responder over one received message: pure, from its header
/// fields and its envelope sender. The reply, when there is one, goes to the envelope sender only
/// (RFC 3834 §4), never to Reply-To, Cc or a From that differs.
///
/// The checks, in order (the first that applies is the reason, see ``AutoReplySkip``): a null envelope
/// sender; a message from us (`X-Bulkhead-Loop`, or one of our addresses as envelope sender, From or
/// Sender); `Auto-Submitted` other than `no` (comments and case ignored: `No (person)` allows a reply,
/// `auto-generated`, `auto-replied`, `auto-notified`, an empty or unreadable value do not);
/// `X-Auto-Response-Suppress` with `All`, `OOF` or `AutoReply`; a `multipart/report`; `Precedence:
/// bulk`, `list` or `junk`; a `List-*` or `Mailing-List` field; a role sender (``AutoReplySkip/roleSender``);
/// an envelope sender that is no address; and last, the responder's address (or an alias) missing from
/// To, Cc, Bcc, Resent-To, Resent-Cc and Resent-Bcc (a field that does not parse names nobody).
///
/// ```swift
/// let (headers, _) = try HeaderSectionParser.parse(message.bytes)
/// let decision = AutoReplyRule.decide(
///     headers: headers, envelopeSender: "ann@example.org",
///     responderAddress: "support@shop.example", aliases: ["help@shop.example"])
/// // .reply(to: "ann@example.org"), or .skip(.listMessage), …
/// ```
public enum AutoReplyRule {
    /// The fields in which the responder's address must appear (RFC 3834 §2).
    public static let recipientFields = ["To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"]

    /// Decides for a message with header section `headers`, received from `envelopeSender` (the
    /// `MAIL FROM` or `Return-Path`, with or without angle brackets; "" or `<>` is the null sender)
    /// for `responderAddress`, which also answers for `aliases` (each an addr-spec or a mailbox with
    /// a display name).
    public static func decide(
        headers: HeaderList, envelopeSender: String, responderAddress: String, aliases: [String] = []
    ) -> AutoReplyDecision {
        let sender = unbracketed(envelopeSender)
        if sender.isEmpty { return .skip(.nullSender) }
        let ours = ResponderAddresses([responderAddress] + aliases)
        if isFromUs(headers, sender: sender, ours: ours) { return .skip(.sentByUs) }
        if isAutoSubmitted(headers) { return .skip(.autoSubmitted) }
        if suppressesAutoReplies(headers) { return .skip(.autoResponseSuppressed) }
        if isReport(headers) { return .skip(.report) }
        if hasMassPrecedence(headers) { return .skip(.precedence) }
        if headers.contains(where: isListField) { return .skip(.listMessage) }
        let mailbox = try? Mailbox(parsingAddrSpec: sender)
        let localPart = mailbox?.localPart ?? String(sender[..<(sender.lastIndex(of: "@") ?? sender.endIndex)])
        if RoleSender.matches(localPart: localPart) { return .skip(.roleSender) }
        guard mailbox != nil else { return .skip(.invalidSender) }
        if !namesExplicitly(headers, ours) { return .skip(.notExplicitRecipient) }
        return .reply(to: sender)
    }

    /// The text without white space around and without one pair of angle brackets.
    private static func unbracketed(_ text: String) -> String {
        var trimmed = Substring(text).drop { $0 == " " || $0 == "\t" }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        if trimmed.hasPrefix("<") && trimmed.hasSuffix(">") && trimmed.count >= 2 { trimmed = trimmed.dropFirst().dropLast() }
        return String(trimmed)
    }

    private static func isFromUs(_ headers: HeaderList, sender: String, ours: ResponderAddresses) -> Bool {
        if headers.contains(BulkheadLoop.headerName) || ours.contains(addrSpec: sender) { return true }
        return headers.contains { field in
            (field.hasName("From") || field.hasName("Sender"))
                && ((try? AddressList.parse(field.value))?.flatMap(\.mailboxes).contains(where: ours.contains) ?? false)
        }
    }

    private static func isAutoSubmitted(_ headers: HeaderList) -> Bool {
        headers.values(for: "Auto-Submitted").contains { HeaderKeyword(parsing: $0)?.keyword != "no" }
    }

    private static let suppressingKeywords: Set<String> = ["all", "oof", "autoreply"]

    private static func suppressesAutoReplies(_ headers: HeaderList) -> Bool {
        headers.values(for: "X-Auto-Response-Suppress").contains { value in
            HeaderKeyword.list(value).contains { suppressingKeywords.contains($0.keyword) }
        }
    }

    private static func isReport(_ headers: HeaderList) -> Bool {
        headers.values(for: "Content-Type").contains { ContentType(parsing: $0)?.mediaType == "multipart/report" }
    }

    private static let massPrecedences: Set<String> = ["bulk", "list", "junk"]

    private static func hasMassPrecedence(_ headers: HeaderList) -> Bool {
        headers.values(for: "Precedence").contains { HeaderKeyword(parsing: $0).map { massPrecedences.contains($0.keyword) } ?? false }
    }

    private static func isListField(_ field: HeaderField) -> Bool {
        field.name.lowercased().hasPrefix("list-") || field.hasName("Mailing-List")
    }

    private static func namesExplicitly(_ headers: HeaderList, _ ours: ResponderAddresses) -> Bool {
        headers.contains { field in
            recipientFields.contains(where: field.hasName)
                && ((try? AddressList.parse(field.value))?.flatMap(\.mailboxes).contains(where: ours.contains) ?? false)
        }
    }
}
