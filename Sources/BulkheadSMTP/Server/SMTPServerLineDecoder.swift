public import NIOCore

/// One line from an SMTP client, as `SMTPServerLineDecoder` frames it: the octets up to (not
/// including) a CRLF, and what is wrong with them.
///
/// Only CRLF ends a line. A bare LF or bare CR is an octet of the line that carries it (and a fault):
/// that is what keeps `<LF>.<LF>` and friends from ever ending DATA (SMTP smuggling).
///
/// ```swift
/// // "MAIL FROM:<a@b>\nRCPT TO:<c@d>\r\n" is one line with the fault .bareLF
/// line.faults.contains(.bareLF)   // true: refused as a whole
/// ```
public struct SMTPServerLine: Sendable, Hashable {
    /// What can be wrong with a line.
    public struct Faults: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8

        public init(rawValue: UInt8) {
            self.rawValue = rawValue
        }

        /// A LF not preceded by CR.
        public static let bareLF = Faults(rawValue: 1)
        /// A CR not followed by LF.
        public static let bareCR = Faults(rawValue: 2)
        /// A NUL octet.
        public static let nul = Faults(rawValue: 4)
        /// Longer than the decoder's limit: its octets were dropped as they came (`bytes` is empty).
        public static let tooLong = Faults(rawValue: 8)
    }

    /// The line's octets without the CRLF (empty when `.tooLong`).
    public var bytes: [UInt8]
    /// What is wrong with the line; empty for a clean line.
    public var faults: Faults
    /// The line's length in octets without the CRLF, also when the octets were dropped.
    public var length: Int
    /// True when more octets had already arrived after this line's CRLF when it was framed (after
    /// STARTTLS that means the client, or someone in between, pipelined plaintext: injection).
    public var hasBufferedBytesAfter: Bool

    /// A line as the decoder frames it; `length` defaults to the number of `bytes`.
    public init(bytes: [UInt8], faults: Faults = [], length: Int? = nil, hasBufferedBytesAfter: Bool = false) {
        self.bytes = bytes
        self.faults = faults
        self.length = length ?? bytes.count
        self.hasBufferedBytesAfter = hasBufferedBytesAfter
    }

    /// A clean line from text (tests, examples): `SMTPServerLine("EHLO client.test")`.
    public init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }
}

/// Frames a client's bytes into `SMTPServerLine`s, strictly: only CRLF ends a line; a bare LF, bare
/// CR or NUL is recorded as a fault of its line, never repaired. The decoder has no modes: commands
/// and DATA lines are framed alike, and the session decides what a line means. A line longer than
/// `maximumLineLength` octets (CRLF included) is dropped as it arrives, so memory stays bounded
/// however long it gets, and comes out once its CRLF arrives as an empty line with `.tooLong`.
///
/// ```swift
/// try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPServerLineDecoder()))
/// ```
public struct SMTPServerLineDecoder: ByteToMessageDecoder {
    /// Decoded lines.
    public typealias InboundOut = SMTPServerLine

    /// The longest line kept, CRLF included (RFC 5321 §4.5.3.1.6: a text line is at most 1000).
    public let maximumLineLength: Int
    /// How many octets of the current line were looked at (the next call resumes there).
    private var scanned = 0
    /// Octets of the current line already dropped (it is too long).
    private var dropped = 0
    private var faults: SMTPServerLine.Faults = []

    /// A decoder keeping lines of at most `maximumLineLength` octets, CRLF included.
    public init(maximumLineLength: Int = 1000) {
        self.maximumLineLength = max(maximumLineLength, 3)
    }

    /// Emits every complete line in the buffer.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let line = nextLine(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    /// At the end of input a partial line is dropped: a connection that ends mid-line (mid-DATA)
    /// never completes a command or a message.
    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while let line = nextLine(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(line))
        }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }

    /// The decoder's work without a channel: the line at `buffer`'s reader index once its CRLF has
    /// arrived (the reader index then moves past it), else nil. Octets of an over-long line are
    /// consumed as they are scanned, so `buffer` never holds more than `maximumLineLength` octets of
    /// one line.
    public mutating func nextLine(from buffer: inout ByteBuffer) -> SMTPServerLine? {
        let limit = maximumLineLength - 2
        let (end, scannedTo) = buffer.withUnsafeReadableBytes { raw -> (Int?, Int) in
            var index = scanned
            let count = raw.count
            while index < count {
                let byte = raw[index]
                if byte == 0x0D {
                    if index + 1 == count { break }  // look at this CR again once the next octet is here
                    if raw[index + 1] == 0x0A { return (index, index) }
                    faults.insert(.bareCR)
                } else if byte == 0x0A {
                    faults.insert(.bareLF)
                } else if byte == 0 {
                    faults.insert(.nul)
                }
                index += 1
            }
            return (nil, index)
        }
        guard let end else {
            scanned = scannedTo
            if dropped + scanned > limit {
                // too long: drop what was scanned (a trailing CR waits for its LF)
                faults.insert(.tooLong)
                buffer.moveReaderIndex(forwardBy: scanned)
                dropped += scanned
                scanned = 0
            }
            return nil
        }
        let length = dropped + end
        var lineFaults = faults
        var bytes: [UInt8] = []
        if length > limit {
            lineFaults.insert(.tooLong)
            buffer.moveReaderIndex(forwardBy: end + 2)
        } else {
            bytes = buffer.readBytes(length: end) ?? []
            buffer.moveReaderIndex(forwardBy: 2)
        }
        scanned = 0
        dropped = 0
        faults = []
        return SMTPServerLine(bytes: bytes, faults: lineFaults, length: length, hasBufferedBytesAfter: buffer.readableBytes > 0)
    }
}
