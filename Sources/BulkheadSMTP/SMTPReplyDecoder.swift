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
        let what: String =
            switch reason {
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
        var scanner = SMTPReplyScanner()
        return try scanner.scan(bytes)
    }

    static func parseCode<Bytes: RandomAccessCollection>(
        _ bytes: Bytes, at start: Int
    ) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int {
        let d0 = Int(bytes[start]) - 0x30
        let d1 = Int(bytes[start + 1]) - 0x30
        let d2 = Int(bytes[start + 2]) - 0x30
        guard (2...5).contains(d0), (0...5).contains(d1), (0...9).contains(d2) else { return nil }
        return d0 * 100 + d1 * 10 + d2
    }

    /// Rejects an incomplete line early when its first bytes already cannot start a valid line.
    static func checkPartial<Bytes: RandomAccessCollection>(
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
                && bytes[index] != 0x0D
            {
                throw SMTPReplyError(reason: .malformedCode, offset: offset + 3)
            }
        }
    }
}

/// ``SMTPReplyParser``'s rules applied incrementally: each call to ``scan(_:)`` gets the reply's bytes
/// so far (the same start, more bytes each time) and looks only at the bytes it has not seen, so a
/// reply that arrives in many small reads costs time in proportion to its length, not its square.
///
/// ```swift
/// var scanner = SMTPReplyScanner()
/// try scanner.scan(Array("250-mx Hello\r\n250-PIPE".utf8))        // nil: more bytes needed
/// scanner.resumeOffset                                             // 22: where the next call starts
/// try scanner.scan(Array("250-mx Hello\r\n250-PIPE\r\n250 OK\r\n".utf8))   // the reply, 32 bytes
/// ```
public struct SMTPReplyScanner: Sendable {
    private var lineStart = 0
    private var index = 0
    private var code: Int?
    private var lines: [String] = []

    /// A scanner at the start of a reply.
    public init() {}

    /// The offset of the first byte the next ``scan(_:)`` looks at (0 after a complete reply).
    public var resumeOffset: Int { index }

    /// Continues with `bytes`, which start with the reply's first octet and extend the bytes of the
    /// earlier calls. Returns nil when more bytes are needed; otherwise the reply and how many bytes
    /// it used, and the scanner starts over for the next reply. Throws as soon as the bytes cannot
    /// become a valid reply (`offset` from the reply's start).
    public mutating func scan<Bytes: RandomAccessCollection>(
        _ bytes: Bytes
    ) throws(SMTPReplyError) -> (reply: SMTPReply, consumed: Int)? where Bytes.Element == UInt8, Bytes.Index == Int {
        let base = bytes.startIndex
        let count = bytes.count
        while true {
            // find the end of the line that starts at lineStart, from where the last call stopped
            var lineEnd: Int?
            while index < count {
                let byte = bytes[base + index]
                if byte == 0x0A {
                    throw SMTPReplyError(reason: .bareLF, offset: index)
                }
                if byte == 0x0D {
                    if index + 1 == count { break }  // look at this CR again when its LF may have come
                    guard bytes[base + index + 1] == 0x0A else {
                        throw SMTPReplyError(reason: .bareCR, offset: index)
                    }
                    lineEnd = index
                    break
                }
                index += 1
                // the text before CRLF may be at most maximumLineLength - 2 octets
                if index - lineStart > SMTPReplyParser.maximumLineLength - 2 {
                    throw SMTPReplyError(reason: .lineTooLong, offset: lineStart)
                }
            }
            guard let end = lineEnd else {
                try SMTPReplyParser.checkPartial(bytes, from: base + lineStart, to: base + index, code: code)
                return nil
            }
            guard end - lineStart >= 3, let lineCode = SMTPReplyParser.parseCode(bytes, at: base + lineStart) else {
                throw SMTPReplyError(reason: .malformedCode, offset: lineStart)
            }
            if let code, code != lineCode {
                throw SMTPReplyError(reason: .inconsistentCode, offset: lineStart)
            }
            code = lineCode
            var isLast = true
            var textStart = lineStart + 3
            if textStart < end {
                switch bytes[base + textStart] {
                case UInt8(ascii: "-"): isLast = false
                case UInt8(ascii: " "): break
                default: throw SMTPReplyError(reason: .malformedCode, offset: lineStart + 3)
                }
                textStart += 1
            }
            if lines.count == SMTPReplyParser.maximumLines {
                throw SMTPReplyError(reason: .tooManyLines, offset: lineStart)
            }
            lines.append(String(decoding: bytes[(base + textStart)..<(base + end)], as: UTF8.self))
            lineStart = end + 2
            index = lineStart
            if isLast {
                let reply = SMTPReply(code: lineCode, lines: lines)
                let consumed = lineStart
                self = SMTPReplyScanner()
                return (reply, consumed)
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

    /// Where the reply at the buffer's reader index has been scanned to: the next read resumes there.
    private var scanner = SMTPReplyScanner()

    /// Creates a decoder.
    public init() {}

    /// Decodes one reply if the buffer holds a complete one, looking only at bytes not seen before.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let decoded = try nextReply(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(decoded))
        return .continue
    }

    /// The decoder's work without a channel: the reply at `buffer`'s reader index once it is complete
    /// (the reader index then moves past it), else nil. Bytes of earlier calls are not looked at again:
    /// `buffer` must hold them still, with more bytes after them.
    public mutating func nextReply(from buffer: inout ByteBuffer) throws(SMTPReplyError) -> SMTPDecodedReply? {
        var scanner = scanner
        let parsed = try buffer.withUnsafeReadableBytes { raw throws(SMTPReplyError) in
            try scanner.scan(raw.bindMemory(to: UInt8.self))
        }
        self.scanner = scanner
        guard let (reply, consumed) = parsed else { return nil }
        buffer.moveReaderIndex(forwardBy: consumed)
        return SMTPDecodedReply(reply: reply, hasBufferedBytesAfter: buffer.readableBytes > 0)
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
