import BulkheadSMTP
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

/// The server's line framing: CRLF only, faults recorded, memory bounded.
@Suite("SMTP server line decoder")
struct SMTPServerLineDecoderTests {
    /// The lines without `hasBufferedBytesAfter` (it depends on how the verifier chunks the bytes).
    struct LinesOnly: ByteToMessageDecoder {
        struct Line: Hashable {
            var bytes: [UInt8]
            var faults: SMTPServerLine.Faults
            var length: Int
        }
        typealias InboundOut = Line
        var decoder = SMTPServerLineDecoder(maximumLineLength: 20)

        mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            guard let line = decoder.nextLine(from: &buffer) else { return .needMoreData }
            context.fireChannelRead(Self.wrapInboundOut(Line(bytes: line.bytes, faults: line.faults, length: line.length)))
            return .continue
        }
    }

    static func line(_ text: String, _ faults: SMTPServerLine.Faults = [], length: Int? = nil) -> LinesOnly.Line {
        let bytes = faults.contains(.tooLong) ? [] : Array(text.utf8)
        return LinesOnly.Line(bytes: bytes, faults: faults, length: length ?? text.utf8.count)
    }

    /// NIO's verifier: whole, byte by byte and in combinations, the decoder gives the same lines.
    @Test func verifierAcceptsTheDecoder() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("EHLO client.test\r\n", [Self.line("EHLO client.test")]),
                ("\r\n.\r\n", [Self.line(""), Self.line(".")]),
                ("a\nb\r\n", [Self.line("a\nb", .bareLF)]),
                ("a\rb\r\n", [Self.line("a\rb", .bareCR)]),
                ("a\r\r\n", [Self.line("a\r", .bareCR)]),
                ("n\0l\r\n", [Self.line("n\0l", .nul)]),
                ("x\n.\nMAIL\r\n", [Self.line("x\n.\nMAIL", .bareLF)]),
                ("x\r.\r\n", [Self.line("x\r.", .bareCR)]),
                ("123456789012345678\r\n", [Self.line("123456789012345678")]),
                ("1234567890123456789\r\nok\r\n", [Self.line("", .tooLong, length: 19), Self.line("ok")]),
                (String(repeating: "long\n", count: 20) + "\r\n", [Self.line("", [.tooLong, .bareLF], length: 100)]),
            ],
            decoderFactory: { LinesOnly() })
    }

    /// A line that never ends (here 1 MiB in 4 KiB reads) never holds more than the limit in memory;
    /// when it ends it comes out as one empty `.tooLong` line, and the next line is framed normally.
    @Test func overlongLineIsDroppedAsItArrives() {
        var decoder = SMTPServerLineDecoder()
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 4096)
        var largest = 0
        for _ in 0..<256 {
            buffer.writeBytes(chunk)
            #expect(decoder.nextLine(from: &buffer) == nil)
            largest = max(largest, buffer.readableBytes)
            buffer.discardReadBytes()
        }
        #expect(largest <= 1000)
        buffer.writeBytes(Array("\r\nNOOP\r\n".utf8))
        #expect(decoder.nextLine(from: &buffer) == SMTPServerLine(bytes: [], faults: .tooLong, length: 1 << 20, hasBufferedBytesAfter: true))
        #expect(decoder.nextLine(from: &buffer) == SMTPServerLine("NOOP"))
    }

    /// A CR at the end of a read waits for the next one: split CRLFs are fine.
    @Test func crlfSplitAcrossReads() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPServerLineDecoder()))
        try channel.writeInbound(channel.allocator.buffer(string: "NOOP\r"))
        #expect(try channel.readInbound(as: SMTPServerLine.self) == nil)
        try channel.writeInbound(channel.allocator.buffer(string: "\nQUIT\r\nRS"))
        #expect(try channel.readInbound(as: SMTPServerLine.self) == SMTPServerLine(bytes: Array("NOOP".utf8), hasBufferedBytesAfter: true))
        #expect(try channel.readInbound(as: SMTPServerLine.self) == SMTPServerLine(bytes: Array("QUIT".utf8), hasBufferedBytesAfter: true))
        #expect(try channel.readInbound(as: SMTPServerLine.self) == nil)
        // the partial line at the end of input is dropped, never a line
        _ = try channel.finish()
        #expect(try channel.readInbound(as: SMTPServerLine.self) == nil)
    }
}
