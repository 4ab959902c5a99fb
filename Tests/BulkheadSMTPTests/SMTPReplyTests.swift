import BulkheadSMTP
import NIOCore
import NIOEmbedded
import Testing

@Suite("SMTP reply parsing")
struct SMTPReplyTests {
    private func parse(_ text: String) throws -> (reply: SMTPReply, consumed: Int)? {
        try SMTPReplyParser.parse(Array(text.utf8))
    }

    private func error(_ text: String) -> SMTPReplyError? {
        do {
            _ = try SMTPReplyParser.parse(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func singleLine() throws {
        let parsed = try #require(try parse("250 OK\r\nrest"))
        #expect(parsed.reply == SMTPReply(code: 250, lines: ["OK"]))
        #expect(parsed.consumed == 8)
        #expect(parsed.reply.enhancedStatus == nil)
    }

    @Test func multiLine() throws {
        let parsed = try #require(try parse("250-mx.example Hello\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"))
        #expect(parsed.reply.code == 250)
        #expect(parsed.reply.lines == ["mx.example Hello", "PIPELINING", "SIZE 1000"])
        #expect(parsed.consumed == 53)
    }

    @Test func codeWithoutText() throws {
        let parsed = try #require(try parse("354\r\n"))
        #expect(parsed.reply == SMTPReply(code: 354, lines: [""]))
    }

    @Test func enhancedStatusCode() throws {
        let parsed = try #require(try parse("550 5.1.1 No such user\r\n"))
        #expect(parsed.reply.enhancedStatus == SMTPEnhancedStatus(statusClass: 5, subject: 1, detail: 1))
        #expect(parsed.reply.description == "550 5.1.1 No such user")
        // class must match the reply code
        #expect(try #require(try parse("550 4.1.1 odd\r\n")).reply.enhancedStatus == nil)
        #expect(try #require(try parse("451 4.7.1 greylisted\r\n")).reply.enhancedStatus?.description == "4.7.1")
        #expect(try #require(try parse("250 2.0.0\r\n")).reply.enhancedStatus?.description == "2.0.0")
        #expect(try #require(try parse("250 2.0.0x\r\n")).reply.enhancedStatus == nil)
    }

    @Test func incomplete() throws {
        #expect(try parse("250-first\r\n250 la") == nil)
        #expect(try parse("250 OK\r") == nil)
        #expect(try parse("") == nil)
        #expect(try parse("25") == nil)
    }

    @Test func bareLFAndCR() {
        #expect(error("250 OK\n") == SMTPReplyError(reason: .bareLF, offset: 6))
        #expect(error("250 O\rK\r\n") == SMTPReplyError(reason: .bareCR, offset: 5))
        #expect(error("250-a\r\n250 b\n") == SMTPReplyError(reason: .bareLF, offset: 12))
    }

    @Test func lineLengthLimit() throws {
        // 512 octets including CRLF is the most allowed
        let longest = "250 " + String(repeating: "x", count: 506) + "\r\n"
        #expect(longest.utf8.count == 512)
        #expect(try parse(longest)?.consumed == 512)
        let tooLong = "250 " + String(repeating: "x", count: 507) + "\r\n"
        #expect(error(tooLong) == SMTPReplyError(reason: .lineTooLong, offset: 0))
        // detected before any CRLF arrives
        #expect(error("250 " + String(repeating: "x", count: 600)) == SMTPReplyError(reason: .lineTooLong, offset: 0))
    }

    @Test func malformedCodes() {
        #expect(error("abc OK\r\n")?.reason == .malformedCode)
        #expect(error("650 OK\r\n")?.reason == .malformedCode)
        #expect(error("25\r\n")?.reason == .malformedCode)
        #expect(error("250XOK\r\n") == SMTPReplyError(reason: .malformedCode, offset: 3))
        #expect(error("250-a\r\n251 b\r\n") == SMTPReplyError(reason: .inconsistentCode, offset: 7))
        // early detection on partial input
        #expect(error("9")?.reason == .malformedCode)
        #expect(error("250-a\r\n251")?.reason == .inconsistentCode)
    }

    @Test func tooManyLines() {
        let text = String(repeating: "250-x\r\n", count: SMTPReplyParser.maximumLines) + "250 x\r\n"
        #expect(error(text)?.reason == .tooManyLines)
    }

    // MARK: the NIO decoder, fed one byte at a time

    private func decodeBytewise(_ text: String) throws -> [SMTPDecodedReply] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        var replies: [SMTPDecodedReply] = []
        for byte in Array(text.utf8) {
            try channel.writeInbound(channel.allocator.buffer(bytes: [byte]))
            while let reply = try channel.readInbound(as: SMTPDecodedReply.self) { replies.append(reply) }
        }
        _ = try channel.finish()
        return replies
    }

    @Test func decoderOneByteAtATime() throws {
        let replies = try decodeBytewise("220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n354 go\r\n")
        #expect(
            replies.map(\.reply) == [
                SMTPReply(code: 220, lines: ["mx ESMTP"]),
                SMTPReply(code: 250, lines: ["mx", "PIPELINING", "8BITMIME"]),
                SMTPReply(code: 354, lines: ["go"]),
            ])
        // byte by byte, nothing is ever buffered after a complete reply
        #expect(replies.allSatisfy { !$0.hasBufferedBytesAfter })
    }

    @Test func decoderReportsBufferedBytesAfterReply() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        try channel.writeInbound(channel.allocator.buffer(string: "220 go ahead\r\n250 injected\r\n"))
        let first = try #require(try channel.readInbound(as: SMTPDecodedReply.self))
        let second = try #require(try channel.readInbound(as: SMTPDecodedReply.self))
        #expect(first.reply.code == 220 && first.hasBufferedBytesAfter)
        #expect(second.reply.code == 250 && !second.hasBufferedBytesAfter)
        _ = try channel.finish()
    }

    @Test func decoderRejectsBareLFOneByteAtATime() throws {
        #expect(throws: SMTPReplyError(reason: .bareLF, offset: 6)) {
            _ = try decodeBytewise("250 OK\n")
        }
        #expect(throws: SMTPReplyError(reason: .lineTooLong, offset: 0)) {
            _ = try decodeBytewise("250 " + String(repeating: "y", count: 520) + "\r\n")
        }
    }
}
