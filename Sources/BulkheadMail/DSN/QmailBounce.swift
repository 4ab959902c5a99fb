/// A bounce in qmail's own plain-text format, QSBMF ("the qmail-send Bounce Message Format",
/// D. J. Bernstein), which qmail and its forks send instead of an RFC 3464 report.
///
/// The body begins with "Hi. This is the qmail-send program at HOST."; it is a series of paragraphs
/// (non-blank lines, then one blank line): that introduction, one paragraph per failed recipient whose
/// first line is `<address>:` and whose other lines explain the failure, then a break paragraph
/// beginning with "-" and a copy of the original message, which is never read. qmail sends one only
/// when it gave up on an address, so every recipient counts as failed; how is decided by the
/// explanation (``Recipient/bounceClass``).
///
/// Reading is bounded whatever the input: at most ``maximumBytes`` of the body, ``maximumRecipients``
/// paragraphs and ``maximumExplanationBytes`` of each explanation.
///
/// ```swift
/// let bounce = try #require(QmailBounce.parse(try MIMEParser().parse(bytes)))
/// bounce.recipients[0].address       // "bob@example.org"
/// bounce.recipients[0].bounceClass   // .hard (does not like recipient; Remote host said: 550 5.1.1 …)
/// ```
public struct QmailBounce: Sendable, Hashable {
    /// How much of the body is read: the introduction and the recipient paragraphs come first and are short.
    public static let maximumBytes = 64 * 1024
    /// The most recipient paragraphs read.
    public static let maximumRecipients = 100
    /// The most octets of one explanation kept.
    public static let maximumExplanationBytes = 2_000

    /// One failed recipient's paragraph.
    public struct Recipient: Sendable, Hashable {
        /// The address between the angle brackets of the paragraph's first line.
        public var address: String
        /// The paragraph's other lines, joined by line feeds (at most ``QmailBounce/maximumExplanationBytes``).
        public var explanation: String

        /// The status the explanation gives: qmail's own code (`(#5.1.1)`) or the remote server's
        /// enhanced code, whichever comes first (codes of class 2 are not failures and are skipped);
        /// else the remote server's reply code as `4.0.0` or `5.0.0` (`552` as `5.2.2`, a full
        /// mailbox, when the server refused the recipient, else as `5.3.4`, a message too big); else
        /// `5.0.0` (qmail bounces only what it gave up on; an empty explanation too).
        public var status: EnhancedStatusCode { QmailBounce.status(in: explanation) }

        /// How the failure counts: by ``BounceClass``'s rules for a failed recipient, except for a
        /// permanent refusal at a stage that is not about the address, which is
        /// ``BounceClass/rejectedMessage`` (never hard or soft): "greeting failed", "my name was
        /// rejected", "sender was rejected" (our side), and "failed after I sent the message" (the
        /// content) unless its status is an addressing one (`x.1.x`).
        public var bounceClass: BounceClass {
            let status = status
            let rules = BounceClass(action: .failed, status: status, diagnostic: nil, explanation: explanation)
            guard status.statusClass == .permanentFailure, rules != .expired else { return rules }
            let lowered = explanation.dsnLowercasedASCII()
            if ["greeting failed", "my name was rejected", "sender was rejected"].contains(where: { lowered.contains($0) }) {
                return .rejectedMessage
            }
            if lowered.contains("failed after i sent the message"), status.subject != 1 { return .rejectedMessage }
            return rules
        }
    }

    /// The failed recipients, in the bounce's order (at least one).
    public var recipients: [Recipient]

    /// Reads a QSBMF bounce: a single-part `text/plain` message (or one without a Content-Type) whose
    /// body begins with "Hi. This is the" and whose introduction names the qmail-send program, with at
    /// least one recipient paragraph. Anything else is nil, such as a person's or an auto-responder's
    /// reply that begins the same way.
    public static func parse(_ message: MIMEEntity) -> QmailBounce? {
        guard message.contentType.mediaType == "text/plain", let body = message.decodedBody,
            body.starts(with: Array("Hi. This is the".utf8))
        else { return nil }
        var reader = ParagraphReader(window(body))
        guard let introduction = reader.next(), introduction.contains(where: { $0.dsnLowercasedASCII().contains("qmail-send program") })
        else { return nil }
        var recipients: [Recipient] = []
        while recipients.count < maximumRecipients, let paragraph = reader.next() {
            let first = paragraph[0]
            if first.hasPrefix("-") { break }  // the break paragraph: the original message follows
            guard first.hasPrefix("<"), first.hasSuffix(">:"), first.utf8.count > 3 else { continue }
            let address = String(first.dropFirst().dropLast(2))
            guard !address.contains("<"), !address.contains(">") else { continue }
            // At most the limit's worth of whole Unicode scalars.
            var kept = 0
            let explanation = paragraph.dropFirst().joined(separator: "\n").unicodeScalars.prefix { scalar in
                kept += scalar.utf8.count
                return kept <= maximumExplanationBytes
            }
            recipients.append(Recipient(address: address, explanation: String(String.UnicodeScalarView(explanation))))
        }
        return recipients.isEmpty ? nil : QmailBounce(recipients: recipients)
    }

    /// The part of the body that is read: all of it, or, past ``maximumBytes``, up to the last blank
    /// line within them (a paragraph cut short, `…said: 5` of `…said: 552 5.2.2`, would mislead).
    private static func window(_ body: [UInt8]) -> ArraySlice<UInt8> {
        guard body.count > maximumBytes else { return body[...] }
        let head = body.prefix(maximumBytes)
        var index = head.endIndex - 1
        while index > head.startIndex {
            if head[index] == 0x0A, head[index - 1] == 0x0A || (head[index - 1] == 0x0D && index >= 2 && head[index - 2] == 0x0A) {
                return head[..<index]
            }
            index -= 1
        }
        return head[..<head.startIndex]
    }

    /// Paragraphs of a body, one at a time: each the lines (LF or CRLF ends) up to an empty line.
    private struct ParagraphReader {
        var rest: ArraySlice<UInt8>

        init(_ body: ArraySlice<UInt8>) {
            rest = body
        }

        mutating func next() -> [String]? {
            var lines: [String] = []
            while !rest.isEmpty {
                let end = rest.firstIndex(of: 0x0A) ?? rest.endIndex
                var line = rest[rest.startIndex..<end]
                rest = end == rest.endIndex ? rest[end...] : rest[(end + 1)...]
                if line.last == 0x0D { line = line.dropLast() }
                if line.isEmpty {
                    if lines.isEmpty { continue }
                    return lines
                }
                lines.append(String(decoding: line, as: UTF8.self))
            }
            return lines.isEmpty ? nil : lines
        }
    }

    /// See ``Recipient/status``.
    static func status(in explanation: String) -> EnhancedStatusCode {
        if let code = EnhancedStatusCode.codes(in: explanation).first(where: { $0.statusClass != .success }) { return code }
        for line in explanation.split(separator: "\n") {
            let words = line.dsnTrimmingWhitespace()
            guard words.hasPrefix("Remote host said: ") else { continue }
            // A reply code: three digits, 4xx or 5xx, then a space, a hyphen or the end.
            let reply = Array(words.utf8.dropFirst("Remote host said: ".utf8.count).prefix(4))
            guard reply.count >= 3, reply[0] == UInt8(ascii: "4") || reply[0] == UInt8(ascii: "5"),
                reply[1...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), reply.count == 3 || reply[3] == 0x20 || reply[3] == UInt8(ascii: "-")
            else { continue }
            if reply[0] == UInt8(ascii: "4") { return transient }
            guard reply[1] == UInt8(ascii: "5"), reply[2] == UInt8(ascii: "2") else { return permanent }
            return explanation.dsnLowercasedASCII().contains("does not like recipient") ? mailboxFull : messageTooBig
        }
        return permanent
    }

    // Valid codes: these `try!` cannot fail.
    private static let permanent = try! EnhancedStatusCode(parsing: "5.0.0")
    private static let transient = try! EnhancedStatusCode(parsing: "4.0.0")
    private static let mailboxFull = try! EnhancedStatusCode(parsing: "5.2.2")
    private static let messageTooBig = try! EnhancedStatusCode(parsing: "5.3.4")
}
