/// A bounce in qmail's own plain-text format, QSBMF ("the qmail-send Bounce Message Format",
/// D. J. Bernstein), which qmail and its forks send instead of an RFC 3464 report.
///
/// The body begins with "Hi. This is the"; it is a series of paragraphs (non-blank lines, then one
/// blank line): the introduction, one paragraph per failed recipient whose first line is
/// `<address>:` and whose other lines explain the failure, then a break paragraph beginning with "-"
/// and a copy of the original message. qmail sends one only when it gave up on the address, so every
/// recipient counts as failed; the explanation decides how: the enhanced status code qmail appends
/// (`(#5.1.1)`) or the remote server's reply (`Remote host said: 550 5.1.1 …`), a bare reply code
/// (`Remote host said: 554 …` read as `5.0.0`), and qmail's expiry sentence ("this message has been
/// in the queue too long"), by the same rules as a DSN (``BounceClass``).
///
/// ```swift
/// let bounce = try #require(QmailBounce.parse(try MIMEParser().parse(bytes)))
/// bounce.recipients[0].address       // "bob@example.org"
/// bounce.recipients[0].bounceClass   // .hard (Remote host said: 550 5.1.1 …)
/// ```
public struct QmailBounce: Sendable, Hashable {
    /// One failed recipient's paragraph.
    public struct Recipient: Sendable, Hashable {
        /// The address between the angle brackets of the paragraph's first line.
        public var address: String
        /// The paragraph's other lines, joined by line feeds.
        public var explanation: String
        /// The first enhanced status code in ``explanation``, else the class of the remote server's
        /// reply code (`4.0.0`, `5.0.0`), else `5.0.0` (qmail bounces only what it gave up on).
        public var status: EnhancedStatusCode

        /// How the failure counts, by ``BounceClass``'s rules for a failed recipient.
        public var bounceClass: BounceClass {
            BounceClass(action: .failed, status: status, diagnostic: nil, explanation: explanation)
        }
    }

    /// The failed recipients, in the bounce's order (at least one).
    public var recipients: [Recipient]

    /// Reads a QSBMF bounce: a single-part `text/plain` message (or one without a Content-Type) whose
    /// body begins with "Hi. This is the" and names at least one recipient. Anything else is nil,
    /// including a person's reply that happens to begin that way but names no `<address>:` paragraph.
    public static func parse(_ message: MIMEEntity) -> QmailBounce? {
        guard message.contentType.mediaType == "text/plain", let body = message.decodedBody,
            body.starts(with: Array("Hi. This is the".utf8))
        else { return nil }
        var recipients: [Recipient] = []
        for paragraph in paragraphs(body).dropFirst() {
            guard let first = paragraph.first else { continue }
            if first.hasPrefix("-") { break }  // the break paragraph: the original message follows
            guard first.hasPrefix("<"), first.hasSuffix(">:"), first.count > 3 else { continue }
            let address = String(first.dropFirst().dropLast(2))
            guard !address.contains("<"), !address.contains(">") else { continue }
            let explanation = paragraph.dropFirst().joined(separator: "\n")
            recipients.append(Recipient(address: address, explanation: explanation, status: status(in: explanation)))
        }
        return recipients.isEmpty ? nil : QmailBounce(recipients: recipients)
    }

    /// The body's paragraphs, each as its lines (CRLF or LF line ends), up to the break paragraph's
    /// first line (the original message after it is not read).
    private static func paragraphs(_ body: [UInt8]) -> [[String]] {
        var paragraphs: [[String]] = []
        var current: [String] = []
        for rawLine in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = String(decoding: rawLine.last == 0x0D ? rawLine.dropLast() : rawLine, as: UTF8.self)
            if line.dsnTrimmingWhitespace().isEmpty {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
                continue
            }
            current.append(line)
            if current.count == 1, line.hasPrefix("-") {
                paragraphs.append(current)
                return paragraphs
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }

    /// See ``Recipient/status``.
    private static func status(in explanation: String) -> EnhancedStatusCode {
        if let code = EnhancedStatusCode.codes(in: explanation).first { return code }
        for line in explanation.split(separator: "\n") {
            let words = line.dsnTrimmingWhitespace()
            guard words.hasPrefix("Remote host said: ") else { continue }
            // A reply code: three digits, 4xx or 5xx, then a space, a hyphen or the end.
            let reply = Array(words.utf8.dropFirst("Remote host said: ".utf8.count).prefix(4))
            guard reply.count >= 3, reply[0] == UInt8(ascii: "4") || reply[0] == UInt8(ascii: "5"),
                reply[1...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), reply.count == 3 || reply[3] == 0x20 || reply[3] == UInt8(ascii: "-")
            else { continue }
            return reply[0] == UInt8(ascii: "4") ? transient : permanent
        }
        return permanent
    }

    // Valid codes: these `try!` cannot fail.
    private static let permanent = try! EnhancedStatusCode(parsing: "5.0.0")
    private static let transient = try! EnhancedStatusCode(parsing: "4.0.0")
}
