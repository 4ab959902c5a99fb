/// An RFC 3463 enhanced mail system status code, `class.subject.detail` (e.g. `5.1.1`).
///
/// The class says how final the outcome is (2 success, 4 persistent transient failure, 5 permanent
/// failure); the subject says which part of the system it concerns (1 addressing, 2 mailbox, 3 mail
/// system, 4 network and routing, 5 protocol, 6 content, 7 security or policy); the detail narrows it.
///
/// ```swift
/// let code = try EnhancedStatusCode(parsing: "5.1.1")
/// code.statusClass   // .permanentFailure
/// code.meaning       // "Bad destination mailbox address"
/// code.description   // "5.1.1"
/// ```
public struct EnhancedStatusCode: Sendable, Hashable, CustomStringConvertible {
    /// The class of an enhanced status code: its first number.
    public enum StatusClass: Int, Sendable, Hashable, CaseIterable {
        /// `2.x.x`: the action succeeded.
        case success = 2
        /// `4.x.x`: a persistent transient failure; the same action may succeed later.
        case persistentTransientFailure = 4
        /// `5.x.x`: a permanent failure; repeating the same action will not succeed.
        case permanentFailure = 5
    }

    /// The class (first number).
    public let statusClass: StatusClass
    /// The subject (second number, 0...999).
    public let subject: Int
    /// The detail (third number, 0...999).
    public let detail: Int

    /// Makes a code from its three numbers; subject and detail must be 0...999 (one to three digits).
    public init(statusClass: StatusClass, subject: Int, detail: Int) throws(EnhancedStatusCodeError) {
        guard (0...999).contains(subject) else { throw .numberOutOfRange(part: "subject", value: subject) }
        guard (0...999).contains(detail) else { throw .numberOutOfRange(part: "detail", value: detail) }
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses `class "." subject "." detail` (RFC 3463 §2): class is 2, 4 or 5, subject and detail
    /// are one to three digits. Surrounding white space is ignored, and so is a trailing comment
    /// after white space (`5.1.1 (bad mailbox)`), which some MTAs add to the `Status:` field.
    public init(parsing text: String) throws(EnhancedStatusCodeError) {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        var end = start
        while end < bytes.count, bytes[end] != 0x20, bytes[end] != 0x09, bytes[end] != UInt8(ascii: "(") { end += 1 }
        var rest = end
        while rest < bytes.count, bytes[rest] == 0x20 || bytes[rest] == 0x09 { rest += 1 }
        if rest < bytes.count, bytes[rest] != UInt8(ascii: "(") {
            throw .unexpectedText(text, offset: rest)
        }
        let token = bytes[start..<end]
        if token.isEmpty { throw .empty }
        let pieces = token.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard pieces.count == 3 else { throw .wrongNumberOfParts(text, count: pieces.count) }
        var numbers: [Int] = []
        for (index, piece) in pieces.enumerated() {
            let part = ["class", "subject", "detail"][index]
            guard !piece.isEmpty, piece.count <= (index == 0 ? 1 : 3) else {
                throw .badNumber(part: part, text: String(decoding: piece, as: UTF8.self))
            }
            var value = 0
            for byte in piece {
                guard byte >= 0x30, byte <= 0x39 else {
                    throw .badNumber(part: part, text: String(decoding: piece, as: UTF8.self))
                }
                value = value * 10 + Int(byte - 0x30)
            }
            numbers.append(value)
        }
        guard let statusClass = StatusClass(rawValue: numbers[0]) else {
            throw .unknownClass(numbers[0])
        }
        try self.init(statusClass: statusClass, subject: numbers[1], detail: numbers[2])
    }

    /// The code as written: `5.1.1`.
    public var description: String { "\(statusClass.rawValue).\(subject).\(detail)" }

    /// True for `x.4.7`, "Delivery time expired": the message was too old to be kept trying.
    public var isDeliveryTimeExpired: Bool { subject == 4 && detail == 7 }

    /// The most specific code for one outcome: this code, or, when it is generic, the first more
    /// specific code of the same class written in `diagnostic` (a `Diagnostic-Code` such as
    /// `550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown`).
    ///
    /// Generic means `x.0.0` (any code of the class is more specific) or `x.S.0` (a code of the same
    /// class and subject with a detail is). Codes of another class are ignored: the class of the
    /// `Status:` field is the reporting MTA's final verdict (a `5.0.0` after `451 4.2.0` replies means
    /// it gave up), so a `4.x.x` in the diagnostic never turns a `5.0.0` into a transient failure. A
    /// code counts only as a word of its own (after the start, white space, `-` as in Gmail's
    /// `550-5.1.1`, `#`, `(`, `[` or `;`), so IP addresses and version numbers are not read as codes.
    ///
    /// ```swift
    /// let status = try EnhancedStatusCode(parsing: "5.0.0")
    /// status.refined(byDiagnostic: "550 5.1.1 <bob@example.com>: User unknown")   // 5.1.1
    /// status.refined(byDiagnostic: "451 4.7.1 Try again later")                   // 5.0.0
    /// ```
    public func refined(byDiagnostic diagnostic: String?) -> EnhancedStatusCode {
        guard let diagnostic, detail == 0 else { return self }
        for candidate in EnhancedStatusCode.codes(in: diagnostic) where candidate.statusClass == statusClass {
            if subject == 0 ? (candidate.subject != 0 || candidate.detail != 0) : (candidate.subject == subject && candidate.detail != 0) {
                return candidate
            }
        }
        return self
    }

    /// The status a recipient's outcome is classified by: refined by the `Diagnostic-Code` first
    /// (machine-readable), then by the report's words about the recipient (OpenSMTPD writes
    /// `Status: 5.0.0` and the server's `552 5.3.4 ...` reply only in its human-readable part).
    func specific(diagnostic: String?, explanation: String?) -> EnhancedStatusCode {
        refined(byDiagnostic: diagnostic).refined(byDiagnostic: explanation)
    }

    /// Every enhanced status code standing as a word of its own in `text`, in order.
    static func codes(in text: String) -> [EnhancedStatusCode] {
        let bytes = Array(text.utf8)
        var found: [EnhancedStatusCode] = []
        var index = 0
        while index < bytes.count {
            let isStart = index == 0 || [0x20, 0x09, 0x0A, 0x0D, 0x2D, 0x23, 0x28, 0x5B, 0x3B].contains(bytes[index - 1])
            guard isStart, bytes[index] >= 0x30, bytes[index] <= 0x39 else {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, (bytes[end] >= 0x30 && bytes[end] <= 0x39) || bytes[end] == UInt8(ascii: ".") { end += 1 }
            var token = bytes[index..<end]
            if token.last == UInt8(ascii: ".") { token = token.dropLast() }  // a code ending a sentence
            let nextIsWordEnd = end == bytes.count || !(bytes[end] >= 0x41 && bytes[end] <= 0x5A || bytes[end] >= 0x61 && bytes[end] <= 0x7A)
            if nextIsWordEnd, let code = try? EnhancedStatusCode(parsing: String(decoding: token, as: UTF8.self)) {
                found.append(code)
            }
            index = end
        }
        return found
    }

    /// The RFC 3463 name of the subject (`1` → "Addressing"), or nil for an unregistered subject.
    public var subjectMeaning: String? {
        switch subject {
        case 0: "Other or undefined"
        case 1: "Addressing"
        case 2: "Mailbox"
        case 3: "Mail system"
        case 4: "Network and routing"
        case 5: "Mail delivery protocol"
        case 6: "Message content or media"
        case 7: "Security or policy"
        default: nil
        }
    }

    /// The RFC 3463 §3 meaning of `subject.detail` (the same for every class), e.g. "Mailbox full"
    /// for `x.2.2`; nil for a pair RFC 3463 does not define.
    public var meaning: String? {
        EnhancedStatusCode.meanings[subject * 1000 + detail]
    }

    private static let meanings: [Int: String] = [
        0: "Other undefined status",
        1000: "Other address status",
        1001: "Bad destination mailbox address",
        1002: "Bad destination system address",
        1003: "Bad destination mailbox address syntax",
        1004: "Destination mailbox address ambiguous",
        1005: "Destination address valid",
        1006: "Destination mailbox has moved, no forwarding address",
        1007: "Bad sender's mailbox address syntax",
        1008: "Bad sender's system address",
        2000: "Other or undefined mailbox status",
        2001: "Mailbox disabled, not accepting messages",
        2002: "Mailbox full",
        2003: "Message length exceeds administrative limit",
        2004: "Mailing list expansion problem",
        3000: "Other or undefined mail system status",
        3001: "Mail system full",
        3002: "System not accepting network messages",
        3003: "System not capable of selected features",
        3004: "Message too big for system",
        3005: "System incorrectly configured",
        4000: "Other or undefined network or routing status",
        4001: "No answer from host",
        4002: "Bad connection",
        4003: "Directory server failure",
        4004: "Unable to route",
        4005: "Mail system congestion",
        4006: "Routing loop detected",
        4007: "Delivery time expired",
        5000: "Other or undefined protocol status",
        5001: "Invalid command",
        5002: "Syntax error",
        5003: "Too many recipients",
        5004: "Invalid command arguments",
        5005: "Wrong protocol version",
        6000: "Other or undefined media error",
        6001: "Media not supported",
        6002: "Conversion required and prohibited",
        6003: "Conversion required but not supported",
        6004: "Conversion with loss performed",
        6005: "Conversion failed",
        7000: "Other or undefined security status",
        7001: "Delivery not authorized, message refused",
        7002: "Mailing list expansion prohibited",
        7003: "Security conversion required but not possible",
        7004: "Security features not supported",
        7005: "Cryptographic failure",
        7006: "Cryptographic algorithm not supported",
        7007: "Message integrity failure",
    ]
}

/// Why a text is not an RFC 3463 enhanced status code.
public enum EnhancedStatusCodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing but white space.
    case empty
    /// Not three dot-separated numbers.
    case wrongNumberOfParts(String, count: Int)
    /// A part that is empty, not made of digits, or too long (class: one digit; others: up to three).
    case badNumber(part: String, text: String)
    /// A class other than 2, 4 or 5.
    case unknownClass(Int)
    /// A subject or detail outside 0...999.
    case numberOutOfRange(part: String, value: Int)
    /// Text after the code that is not a parenthesized comment (UTF-8 offset in the whole text).
    case unexpectedText(String, offset: Int)

    /// A readable explanation, naming the field or value concerned.
    public var description: String {
        switch self {
        case .empty:
            "empty status code"
        case .wrongNumberOfParts(let text, let count):
            "status code \"\(text)\" has \(count) dot-separated part(s), expected class.subject.detail"
        case .badNumber(let part, let text):
            "status code \(part) \"\(text)\" is not \(part == "class" ? "one digit" : "one to three digits")"
        case .unknownClass(let value):
            "status code class \(value) is not 2, 4 or 5"
        case .numberOutOfRange(let part, let value):
            "status code \(part) \(value) is outside 0...999"
        case .unexpectedText(let text, let offset):
            "unexpected text at offset \(offset) after the status code in \"\(text)\""
        }
    }
}
