public import BulkheadMail
import BulkheadPolicy
public import BulkheadStore
public import Foundation

/// Writes each member's copy of a post to a hosted list (RFC 2369, RFC 2919, RFC 8058):
/// - the poster's `DKIM-Signature`s, `Bcc`, `Resent-Bcc`, `Return-Path`, `Sender` and any earlier
///   `List-*` and `Precedence` fields go;
/// - with `lists.from_rewrite: always` (the default) `From:` becomes the list's
///   (`"Ann Example via all" <all@lists.example>`) and `Reply-To:` the poster (unless the post has one):
///   the poster's signature breaks when the list adds its fields, and a DMARC `p=reject` From domain
///   would otherwise get every copy refused;
/// - `List-Id: <label.domain>`, `List-Post: <mailto:ADDRESS>` (`NO` for an `announce` list),
///   `List-Unsubscribe` with the member's own one-click link (a version 3 ``UnsubscribeToken``),
///   `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, `Precedence: list` and
///   `X-Bulkhead-Loop: ADDRESS` (a post that comes back with it is never sent out again);
/// - signed with the configured key for the list's domain (RFC 8058 wants `List-Unsubscribe` signed).
///
/// The body is never touched. To and Cc are as the poster wrote them (the list's address, usually).
///
/// ```swift
/// let writer = ListCopyWriter(keys: environment.relayCopyWriter, tokens: issuer, unsubscribeBase: "https://lists.example",
///                             fromRewrite: true)
/// let copy = try writer.copy(of: post, list: hosted, member: SubscriberID(rawValue: 7), at: Date())
/// ```
public struct ListCopyWriter: Sendable {
    let keys: RelayCopyWriter
    let tokens: UnsubscribeTokenIssuer
    /// `identity.unsubscribe_base_url` (HTTPS: the configuration check requires it).
    let unsubscribeBase: String
    let fromRewrite: Bool
    /// `lists.moderate_from_members`, for the policy in force (an `announce` list says `List-Post: NO`).
    let moderateFrom: Int

    /// The fields a copy loses before the list writes its own, and the read receipts' fields: a
    /// member's mail program may answer those by itself, handing the member's address to whoever the
    /// post named there.
    static let removedFields = [
        "DKIM-Signature", "Bcc", "Resent-Bcc", "Return-Path", "Sender", "Errors-To", "Precedence", "List-Id", "List-Post", "List-Unsubscribe",
        "List-Unsubscribe-Post", "List-Help", "List-Subscribe", "List-Owner", "List-Archive", "Disposition-Notification-To",
        "Return-Receipt-To", "X-Confirm-Reading-To",
    ]

    public init(
        keys: RelayCopyWriter, tokens: UnsubscribeTokenIssuer, unsubscribeBase: String, fromRewrite: Bool, moderateFrom: Int = 500
    ) {
        self.keys = keys
        self.moderateFrom = moderateFrom
        self.tokens = tokens
        self.unsubscribeBase = unsubscribeBase
        self.fromRewrite = fromRewrite
    }

    /// The envelope sender of the list's copies: `LOCAL-bounces@DOMAIN` for `LOCAL@DOMAIN` (the inbound
    /// listener keeps what arrives there for a person).
    public static func envelopeSender(of list: HostedList) -> String {
        let parts = list.address.split(separator: "@", maxSplits: 1)
        guard parts.count == 2 else { return list.address }
        return "\(parts[0])-bounces@\(parts[1])"
    }

    /// `member`'s copy of `original`, a post to `list`, signed at `date`.
    public func copy(of original: [UInt8], list: HostedList, member: SubscriberID, at date: Date) throws(ListCopyError) -> RelayCopy {
        let policy = list.policy(moderateFrom: moderateFrom)
        let listMailbox: Mailbox
        let links: UnsubscribeLinks
        let token: UnsubscribeToken
        do {
            listMailbox = try Mailbox(parsingAddrSpec: list.address)
            links = try UnsubscribeLinks(base: unsubscribeBase, mailtoDomain: listMailbox.domain)
            token = try tokens.issue(listID: list.listID.rawValue, subscriberID: member.rawValue)
        } catch {
            throw .list("\(error)")
        }
        var copy: MessageCopy
        do { copy = try MessageCopy(original) } catch { throw .message(error) }
        let poster = copy.values(named: "From").first.flatMap { try? Mailbox(parsing: $0) }
        copy.removeFields(named: Self.removedFields)
        if fromRewrite {
            var from = listMailbox
            from.displayName = "\(poster.map { $0.displayName ?? $0.address } ?? "someone") via \(list.name)"
            try set(&copy, "From", try Self.addressValue(from, field: "From"))
            if copy.values(named: "Reply-To").isEmpty, let poster {
                try set(&copy, "Reply-To", try Self.addressValue(poster, field: "Reply-To"))
            }
        }
        try set(&copy, "List-Id", "<\(list.listIdentifier)>")
        try set(&copy, "List-Post", policy == .announce ? "NO" : "<mailto:\(list.address)>")
        try set(&copy, "List-Unsubscribe", links.listUnsubscribeValue(token: token.text))
        try set(&copy, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        try set(&copy, "Precedence", "list")
        try append(&copy, BulkheadLoop.headerName, list.address)
        let plan = keys.plan(forDomain: listMailbox.domain)
        guard let signer = plan.signer else { return RelayCopy(bytes: copy.bytes, signing: plan.signing) }
        do {
            return RelayCopy(bytes: try signer.sign(copy.bytes, at: date), signing: plan.signing)
        } catch {
            throw .signing(error)
        }
    }

    private func set(_ copy: inout MessageCopy, _ name: String, _ value: String) throws(ListCopyError) {
        do {
            try copy.setField(try HeaderField(name: name, value: value))
        } catch let error as MessageCopyError {
            throw .message(error)
        } catch {
            throw .list("\(name): \(error)")
        }
    }

    private func append(_ copy: inout MessageCopy, _ name: String, _ value: String) throws(ListCopyError) {
        do {
            try copy.appendField(try HeaderField(name: name, value: value))
        } catch let error as MessageCopyError {
            throw .message(error)
        } catch {
            throw .list("\(name): \(error)")
        }
    }

    private static func addressValue(_ mailbox: Mailbox, field: String) throws(ListCopyError) -> String {
        do {
            return try AddressHeaders.list([.mailbox(mailbox)], field: field, utf8Allowed: false)
        } catch {
            throw .list("\(field): \(error)")
        }
    }
}

/// Why a member's copy of a list post could not be written.
public enum ListCopyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The post's header section cannot be rewritten.
    case message(MessageCopyError)
    /// The list's address, unsubscribe link or a written field is not usable.
    case list(String)
    /// The list's key failed to sign.
    case signing(DKIMSignerError)

    public var description: String {
        switch self {
        case .message(let error): "the post cannot be copied: \(error)"
        case .list(let reason): "the list's copy cannot be written: \(reason)"
        case .signing(let error): "DKIM signing failed: \(error)"
        }
    }
}
