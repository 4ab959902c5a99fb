public import NIOCore

/// Why bytes from a server are not a valid SMTP reply. `offset` counts from the start of the reply.
public struct SMTPReplyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
        /// A line (CRLF included) is longer than `SMTPReplyParser.maximumLineLength` octets.
        case lineTooLong
        /// A LF not preceded by CR.
        case bareLF
        /// A CR not followed by LF.
        case bareCR
        /// The line does not start with a three-digit code followed by SP, `-` or CRLF.
        case malformedCode
        /// A line of a multi-line reply has a different code than the first.
        case inconsistentCode
        /// The reply has more than `SMTPReplyParser.maximumLines` lines.
        case tooManyLines
    }

    /// What is wrong.
    public var reason: Reason
    /// Byte offset from the start of the reply.
    public var offset: Int

    /// Creates an error.
    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// A readable explanation.
    public var description: String {
        let what: String = switch reason {
        case .lineTooLong: "reply line longer than \(SMTPReplyParser.maximumLineLength) octets"
        case .bareLF: "bare LF in reply"
        case .bareCR: "bare CR in reply"
        case .malformedCode: "malformed reply code"
        case .inconsistentCode: "multi-line reply with differing codes"
        case .tooManyLines: "reply with more than \(SMTPReplyParser.maximumLines) lines"
        }
        return "\(what) at offset \(offset)"
    }
}

/// The pure reply framing rules: strict CRLF lines of at most 512 octets (RFC 5321 §4.5.3.1.5),
/// `ddd-text` continuation lines and a final `ddd text` line, all with the same code.
public enum SMTPReplyParser {
    /// Longest reply line, CRLF included.
    public static let maximumLineLength = 512
    /// Most lines in one reply (bounds memory; EHLO replies have about a dozen).
    public static let maximumLines = 200

    /// Parses one reply from the start of `bytes`. Returns nil when more bytes are needed, otherwise
    /// the reply and how many bytes it used. Throws as soon as the bytes cannot become a valid reply.
    public static func parse<Bytes: RandomAccessCollection>(
        _ bytes: Bytes
    ) throws(SMTPReplyError) -> (reply: SMTPReply, consumed: Int)? where Bytes.Element == UInt8, Bytes.Index == Int {
        var lineStart = bytes.startIndex
        var code: Int?
        var lines: [String] = []
        while true {
            // find the end of the line at lineStart
            var index = lineStart
            var lineEnd: Int?
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == 0x0A {
                    throw SMTPReplyError(reason: .bareLF, offset: index - bytes.startIndex)
                }
                if byte == 0x0D {
                    let next = index + 1
                    if next == bytes.endIndex { break }
                    guard bytes[next] == 0x0A else {
                        throw SMTPReplyError(reason: .bareCR, offset: index - bytes.startIndex)
                    }
                    lineEnd = index
                    break
                }
                index += 1
                // the text before CRLF may be at most maximumLineLength - 2 octets
                if index - lineStart > maximumLineLength - 2 {
                    throw SMTPReplyError(reason: .lineTooLong, offset: lineStart - bytes.startIndex)
                }
            }
            guard let end = lineEnd else {
                try checkPartial(bytes, from: lineStart, to: index, code: code)
                return nil
            }
            let lineOffset = lineStart - bytes.startIndex
            guard end - lineStart >= 3, let lineCode = parseCode(bytes, at: lineStart) else {
                throw SMTPReplyError(reason: .malformedCode, offset: lineOffset)
            }
            if let code, code != lineCode {
                throw SMTPReplyError(reason: .inconsistentCode, offset: lineOffset)
            }
            code = lineCode
            var isLast = true
            var textStart = lineStart + 3
            if textStart < end {
                switch bytes[textStart] {
                case UInt8(ascii: "-"): isLast = false
                case UInt8(ascii: " "): break
                default: throw SMTPReplyError(reason: .malformedCode, offset: lineOffset + 3)
                }
                textStart += 1
            }
            if lines.count == maximumLines {
                throw SMTPReplyError(reason: .tooManyLines, offset: lineOffset)
            }
            lines.append(String(decoding: bytes[textStart..<end], as: UTF8.self))
            lineStart = end + 2
            if isLast {
                return (SMTPReply(code: lineCode, lines: lines), lineStart - bytes.startIndex)
            }
        }
    }

    private static func parseCode<Bytes: RandomAccessCollection>(
        _ bytes: Bytes, at start: Int
    ) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int {
        let d0 = Int(bytes[start]) - 0x30, d1 = Int(bytes[start + 1]) - 0x30, d2 = Int(bytes[start + 2]) - 0x30
        guard (2...5).contains(d0), (0...5).contains(d1), (0...9).contains(d2) else { return nil }
        return d0 * 100 + d1 * 10 + d2
    }

    /// Rejects an incomplete line early when its first bytes already cannot start a valid line.
    private static func checkPartial<Bytes: RandomAccessCollection>(
        _ bytes: Bytes, from start: Int, to end: Int, code: Int?
    ) throws(SMTPReplyError) where Bytes.Element == UInt8, Bytes.Index == Int {
        let offset = start - bytes.startIndex
        let ranges: [ClosedRange<Int>] = [2...5, 0...5, 0...9]
        var index = start
        var partialCode = 0
        while index < end && index - start < 3 {
            let digit = Int(bytes[index]) - 0x30
            guard ranges[index - start].contains(digit) else {
                throw SMTPReplyError(reason: .malformedCode, offset: offset)
            }
            partialCode = partialCode * 10 + digit
            index += 1
        }
        if index - start == 3 {
            if let code, code != partialCode {
                throw SMTPReplyError(reason: .inconsistentCode, offset: offset)
            }
            if index < end && bytes[index] != UInt8(ascii: "-") && bytes[index] != UInt8(ascii: " ")
                && bytes[index] != 0x0D {
                throw SMTPReplyError(reason: .malformedCode, offset: offset + 3)
            }
        }
    }
}

/// A reply as the decoder hands it on, with whether more bytes were already buffered after it
/// (after a `220` to STARTTLS that means the server, or someone in between, injected plaintext).
public struct SMTPDecodedReply: Sendable, Hashable {
    /// The reply.
    public var reply: SMTPReply
    /// True when bytes following this reply had already arrived when it was decoded.
    public var hasBufferedBytesAfter: Bool

    /// Creates a decoded reply.
    public init(reply: SMTPReply, hasBufferedBytesAfter: Bool) {
        self.reply = reply
        self.hasBufferedBytesAfter = hasBufferedBytesAfter
    }
}

/// A NIO decoder turning the server's bytes into `SMTPDecodedReply` values (use it with
/// `ByteToMessageHandler`). Invalid framing raises `SMTPReplyError`.
///
/// ```swift
/// try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
/// ```
public struct SMTPReplyDecoder: ByteToMessageDecoder {
    /// Decoded replies.
    public typealias InboundOut = SMTPDecodedReply

    /// Creates a decoder.
    public init() {}

    /// Decodes one reply if the buffer holds a complete one.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let parsed = try buffer.withUnsafeReadableBytes { raw throws(SMTPReplyError) in
            try SMTPReplyParser.parse(raw.bindMemory(to: UInt8.self))
        }
        guard let (reply, consumed) = parsed else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: consumed)
        let decoded = SMTPDecodedReply(reply: reply, hasBufferedBytesAfter: buffer.readableBytes > 0)
        context.fireChannelRead(Self.wrapInboundOut(decoded))
        return .continue
    }

    /// At end of input, leftover bytes are an incomplete reply: they are dropped (the session
    /// reports the closed connection).
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
