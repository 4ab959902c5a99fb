import BulkheadSMTP
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

/// The reply decoder resumes where it stopped: a reply that arrives in many reads is scanned once.
@Suite("SMTP reply decoder, incremental")
struct SMTPReplyDecoderTests {
    /// An EHLO-like reply of `SMTPReplyParser.maximumLines` lines (the most allowed).
    static let longReply: (text: String, reply: SMTPReply) = {
        let texts = (1..<SMTPReplyParser.maximumLines).map { "mx.example extension-\($0) " + String(repeating: "x", count: $0 % 50) }
        let text = texts.map { "250-\($0)\r\n" }.joined() + "250 SMTPUTF8\r\n"
        return (text, SMTPReply(code: 250, lines: texts + ["SMTPUTF8"]))
    }()

    /// The replies only (`hasBufferedBytesAfter` depends on how bytes are chunked, which the
    /// verifier varies), decoded by `SMTPReplyDecoder.nextReply(from:)`: the decoder's own work.
    struct RepliesOnly: ByteToMessageDecoder {
        typealias InboundOut = SMTPReply
        var decoder = SMTPReplyDecoder()

        mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            guard let decoded = try decoder.nextReply(from: &buffer) else { return .needMoreData }
            context.fireChannelRead(Self.wrapInboundOut(decoded.reply))
            return .continue
        }
    }

    /// NIO's verifier: fed whole, one byte at a time (inside larger buffers) and many replies at once,
    /// the decoder gives the same replies.
    @Test func verifierAcceptsTheDecoder() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                (Self.longReply.text, [Self.longReply.reply]),
                ("220 mx.example ESMTP ready\r\n", [SMTPReply(code: 220, lines: ["mx.example ESMTP ready"])]),
                ("354 go ahead\r\n250 2.0.0 queued\r\n", [SMTPReply(code: 354, lines: ["go ahead"]), SMTPReply(code: 250, lines: ["2.0.0 queued"])]),
            ],
            decoderFactory: { RepliesOnly() })
    }

    /// Fed byte by byte, the scanner picks up at the byte after the last one it saw (at a CR it waits
    /// for the next byte), so each byte is looked at once: linear, not quadratic, in the reply's length.
    @Test func scannerResumesWhereItStopped() throws {
        let bytes = Array(Self.longReply.text.utf8)
        var scanner = SMTPReplyScanner()
        for end in 1..<bytes.count {
            #expect(try scanner.scan(bytes[..<end]) == nil)
            let expected = bytes[end - 1] == 0x0D ? end - 1 : end
            guard scanner.resumeOffset == expected else {
                Issue.record("after \(end) bytes the scanner resumes at \(scanner.resumeOffset), not \(expected)")
                return
            }
        }
        let parsed = try #require(try scanner.scan(bytes[...]))
        #expect(parsed.reply == Self.longReply.reply && parsed.consumed == bytes.count)
        #expect(scanner.resumeOffset == 0, "ready for the next reply")
    }

    /// Through a channel, byte by byte: the same reply, and errors still carry offsets from the reply's start.
    @Test func decoderByteByByteThroughAChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        for byte in Array((Self.longReply.text + "221 bye\r\n").utf8) {
            try channel.writeInbound(channel.allocator.buffer(bytes: [byte]))
        }
        #expect(try channel.readInbound(as: SMTPDecodedReply.self)?.reply == Self.longReply.reply)
        #expect(try channel.readInbound(as: SMTPDecodedReply.self)?.reply == SMTPReply(code: 221, lines: ["bye"]))
        _ = try channel.finish()

        let broken = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        #expect(throws: SMTPReplyError(reason: .inconsistentCode, offset: 16)) {
            for byte in Array("250-first line\r\n251 second\r\n".utf8) {
                try broken.writeInbound(broken.allocator.buffer(bytes: [byte]))
            }
        }
    }
}
