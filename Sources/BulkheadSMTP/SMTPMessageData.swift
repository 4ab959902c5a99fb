import BulkheadMail

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let what: String =
            switch reason {
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
        // Lines are copied whole; only a message with a fault takes the byte-by-byte pass, which
        // finds the first fault exactly.
        guard let (bytes, has8Bit) = Self.stuffedLines(message) else {
            throw Self.firstFault(in: message)
        }
        self.bytes = bytes
        self.messageSize = message.count
        self.has8BitOctets = has8Bit
    }

    /// The DATA bytes and whether any octet is 8-bit, or nil when the message has a fault.
    private static func stuffedLines(_ message: [UInt8]) -> (bytes: [UInt8], has8Bit: Bool)? {
        let count = message.count
        let longestLine = maximumLineLength
        // Every byte of the message OR'd together, eight at a time: a high bit set means 8-bit octets.
        var high: UInt64 = 0
        var faulty = false
        let lineFeeds = ByteWords.repeated(0x0A)
        // Every line may gain a leading dot (lines are at least CRLF, so at most count / 2 of them),
        // plus a final CRLF and the ".CRLF" terminator.
        let out = [UInt8](unsafeUninitializedCapacity: count + count / 2 + 6) { buffer, written in
            written = 0
            message.withUnsafeBufferPointer { input in
                guard let source = input.baseAddress, let target = buffer.baseAddress else {
                    // An empty message: only the terminator.
                    buffer[0] = UInt8(ascii: ".")
                    buffer[1] = 0x0D
                    buffer[2] = 0x0A
                    written = 3
                    return
                }
                var o = 0
                var lineStart = 0
                while lineStart < count {
                    // The line's content runs to the next CR (or the end).
                    let lineEnd =
                        memchr(source + lineStart, 0x0D, count - lineStart)
                        .map { UnsafeRawPointer($0) - UnsafeRawPointer(source) } ?? count
                    // A LF or NUL in the line is a fault: looked for eight bytes at a time, then the rest.
                    var faults: UInt64 = 0
                    var index = lineStart
                    while index + 8 <= lineEnd {
                        let word = UInt64(littleEndian: UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self))
                        high |= word
                        faults |= ByteWords.zeroBytes(word) | ByteWords.zeroBytes(word ^ lineFeeds)
                        index += 8
                    }
                    while index < lineEnd {
                        let byte = source[index]
                        high |= UInt64(byte)
                        if byte == 0x0A || byte == 0 { faults = 1 }
                        index += 1
                    }
                    guard faults == 0, lineEnd - lineStart <= longestLine else {
                        faulty = true
                        return
                    }
                    if source[lineStart] == UInt8(ascii: ".") && lineEnd > lineStart {
                        target[o] = UInt8(ascii: ".")
                        o += 1
                    }
                    (target + o).update(from: source + lineStart, count: lineEnd - lineStart)
                    o += lineEnd - lineStart
                    target[o] = 0x0D
                    target[o + 1] = 0x0A
                    o += 2
                    if lineEnd < count {
                        guard lineEnd + 1 < count, source[lineEnd + 1] == 0x0A else {
                            faulty = true
                            return
                        }
                        lineStart = lineEnd + 2
                    } else {
                        lineStart = count
                    }
                }
                target[o] = UInt8(ascii: ".")
                target[o + 1] = 0x0D
                target[o + 2] = 0x0A
                written = o + 3
            }
        }
        return faulty ? nil : (out, high & 0x8080_8080_8080_8080 != 0)
    }

    /// The first fault of a message that `stuffedLines` refused, found byte by byte.
    private static func firstFault(in message: [UInt8]) -> SMTPMessageDataError {
        var lineStart = 0
        var index = 0
        while index < message.count {
            let byte = message[index]
            if byte == 0x0D {
                guard index + 1 < message.count, message[index + 1] == 0x0A else { return SMTPMessageDataError(reason: .bareCR, offset: index) }
                index += 2
                lineStart = index
                continue
            }
            if byte == 0x0A { return SMTPMessageDataError(reason: .bareLF, offset: index) }
            if byte == 0x00 { return SMTPMessageDataError(reason: .nul, offset: index) }
            if index - lineStart >= maximumLineLength { return SMTPMessageDataError(reason: .lineTooLong, offset: lineStart) }
            index += 1
        }
        preconditionFailure("firstFault(in:) called for a message without a fault")
    }
}
