// SMTP replies (RFC 5321 §4.2) and enhanced status codes (RFC 3463).

/// An RFC 3463 enhanced status code, `class.subject.detail` (for example `5.1.1`).
public struct SMTPEnhancedStatus: Sendable, Hashable, CustomStringConvertible {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    public var statusClass: Int
    /// The subject (1 = addressing, 2 = mailbox, 3 = mail system, 4 = network, 5 = protocol, 6 = content, 7 = security).
    public var subject: Int
    /// The detail number within the subject.
    public var detail: Int

    /// Creates a status code from its three numbers.
    public init(statusClass: Int, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// `class.subject.detail`.
    public var description: String { "\(statusClass).\(subject).\(detail)" }

    /// Parses a status code at the start of `text` (followed by a space or the end of the text).
    /// Returns the code and the number of bytes it used (not counting the space), or nil.
    static func parse(prefixOf text: ArraySlice<UInt8>) -> (SMTPEnhancedStatus, Int)? {
        var numbers: [Int] = []
        var index = text.startIndex
        var digits = 0
        var value = 0
        while index < text.endIndex {
            let byte = text[index]
            if byte >= 0x30 && byte <= 0x39 {
                digits += 1
                // class is 1 digit, subject and detail at most 3 digits (RFC 3463 §2)
                if digits > (numbers.isEmpty ? 1 : 3) { return nil }
                value = value * 10 + Int(byte - 0x30)
            } else if byte == UInt8(ascii: ".") && numbers.count < 2 && digits > 0 {
                numbers.append(value)
                value = 0
                digits = 0
            } else {
                break
            }
            index += 1
        }
        guard numbers.count == 2, digits > 0 else { return nil }
        if index < text.endIndex && text[index] != UInt8(ascii: " ") { return nil }
        let status = SMTPEnhancedStatus(statusClass: numbers[0], subject: numbers[1], detail: value)
        guard [2, 4, 5].contains(status.statusClass) else { return nil }
        return (status, index - text.startIndex)
    }
}

/// One SMTP reply: a three-digit code and one or more text lines (a multi-line reply such as
/// `250-first` … `250 last` has several).
///
/// ```swift
/// let reply = SMTPReply(code: 550, lines: ["5.1.1 No such user"])
/// reply.enhancedStatus?.description // "5.1.1"
/// reply.isPermanentFailure          // true
/// ```
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The reply code (200…599).
    public var code: Int
    /// The enhanced status code (RFC 3463) at the start of the first line's text, if there is one
    /// whose class matches the reply code's first digit.
    public var enhancedStatus: SMTPEnhancedStatus?
    /// The text of every line, without the code, the separator and the CRLF (enhanced code kept).
    public var lines: [String]

    /// Creates a reply; the enhanced status code is parsed from the first line.
    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines.isEmpty ? [""] : lines
        if let first = self.lines.first,
            let (status, _) = SMTPEnhancedStatus.parse(prefixOf: Array(first.utf8)[...]),
            status.statusClass == code / 100
        {
            self.enhancedStatus = status
        } else {
            self.enhancedStatus = nil
        }
    }

    /// 2xx.
    public var isPositiveCompletion: Bool { code / 100 == 2 }
    /// 3xx (for example `354` after DATA, `334` during AUTH).
    public var isPositiveIntermediate: Bool { code / 100 == 3 }
    /// 4xx: try again later.
    public var isTransientFailure: Bool { code / 100 == 4 }
    /// 5xx: do not retry as is.
    public var isPermanentFailure: Bool { code / 100 == 5 }

    /// The lines joined by a space, for logs and reports.
    public var text: String { lines.joined(separator: " ") }

    /// `code text`, e.g. `550 5.1.1 No such user`.
    public var description: String { "\(code) \(text)" }
}
