/// Why a message cannot be sent as SMTP DATA. Bulkhead refuses rather than repairs: silently
/// turning a bare LF into CRLF is how SMTP smuggling happens.
public struct SMTPMessageDataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
        /// A LF not preceded by CR.
        case bareLF
        /// A CR not followed by LF.
        case bareCR
        /// A NUL octet.
        case nul
        /// A line longer than 998 octets before its CRLF (RFC 5321 §4.5.3.1.6).
        case lineTooLong
    }

    /// What is wrong.
    public var reason: Reason
    /// Byte offset in the message.
    public var offset: Int

    /// Creates an error.
    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// A readable explanation.
    public var description: String {
        let what: String = switch reason {
        case .bareLF: "bare LF (not preceded by CR)"
        case .bareCR: "bare CR (not followed by LF)"
        case .nul: "NUL octet"
        case .lineTooLong: "line longer than 998 octets"
        }
        return "message refused: \(what) at offset \(offset)"
    }
}

/// Turns a message into the exact bytes sent after `354`: every line CRLF-terminated, a leading
/// "." doubled (dot-stuffing, RFC 5321 §4.5.2), then the terminating `.` CRLF.
///
/// ```swift
/// let wire = try SMTPMessageData(message: Array("Subject: hi\r\n\r\n.hello\r\n".utf8))
/// // wire.bytes == "Subject: hi\r\n\r\n..hello\r\n.\r\n"
/// ```
public struct SMTPMessageData: Sendable, Hashable {
    /// The dot-stuffed message followed by `.` CRLF.
    public let bytes: [UInt8]
    /// Size of the original message in octets (for `SIZE=`).
    public let messageSize: Int
    /// True when the message has octets above 127 (needs `BODY=8BITMIME`).
    public let has8BitOctets: Bool

    /// Longest line allowed before CRLF.
    public static let maximumLineLength = 998

    /// Validates and encodes `message`. A message whose last line lacks its CRLF gets one (that
    /// changes no line boundary); a bare CR, bare LF, NUL or over-long line throws.
    public init(message: [UInt8]) throws(SMTPMessageDataError) {
        let count = message.count
        var has8Bit = false
        var failure: SMTPMessageDataError?
        // One pass over raw buffers: every line may gain a leading dot (lines are at least CRLF, so at
        // most count / 2 of them), plus a final CRLF and the ".CRLF" terminator.
        let out = [UInt8](unsafeUninitializedCapacity: count + count / 2 + 6) { buffer, written in
            message.withUnsafeBufferPointer { input in
                var o = 0
                var lineStart = 0
                var index = 0
                while index < count {
                    let byte = input[index]
                    if index == lineStart && byte == UInt8(ascii: ".") {
                        buffer[o] = UInt8(ascii: ".")
                        o += 1
                    }
                    if byte == 0x0D {
                        guard index + 1 < count, input[index + 1] == 0x0A else {
                            failure = SMTPMessageDataError(reason: .bareCR, offset: index)
                            break
                        }
                        buffer[o] = 0x0D
                        buffer[o + 1] = 0x0A
                        o += 2
                        index += 2
                        lineStart = index
                        continue
                    }
                    if byte == 0x0A {
                        failure = SMTPMessageDataError(reason: .bareLF, offset: index)
                        break
                    }
                    if byte == 0x00 {
                        failure = SMTPMessageDataError(reason: .nul, offset: index)
                        break
                    }
                    if byte >= 0x80 { has8Bit = true }
                    if index - lineStart >= Self.maximumLineLength {
                        failure = SMTPMessageDataError(reason: .lineTooLong, offset: lineStart)
                        break
                    }
                    buffer[o] = byte
                    o += 1
                    index += 1
                }
                if failure == nil {
                    if lineStart != count {
                        buffer[o] = 0x0D
                        buffer[o + 1] = 0x0A
                        o += 2
                    }
                    buffer[o] = UInt8(ascii: ".")
                    buffer[o + 1] = 0x0D
                    buffer[o + 2] = 0x0A
                    o += 3
                }
                written = failure == nil ? o : 0
            }
        }
        if let failure { throw failure }
        self.bytes = out
        self.messageSize = count
        self.has8BitOctets = has8Bit
    }
}
