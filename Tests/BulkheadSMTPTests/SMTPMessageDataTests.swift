import BulkheadSMTP
import BulkheadTestSupport
import Foundation
import Testing

@Suite("DATA encoding: dot-stuffing and strict CRLF")
struct SMTPMessageDataTests {
    private func wire(_ text: String) throws -> String {
        String(decoding: try SMTPMessageData(message: Array(text.utf8)).bytes, as: UTF8.self)
    }

    @Test func dotStuffing() throws {
        #expect(try wire("a\r\n.b\r\n..c\r\n.\r\nd\r\n") == "a\r\n..b\r\n...c\r\n..\r\nd\r\n.\r\n")
        #expect(try wire(".first\r\n") == "..first\r\n.\r\n")
        // a dot inside a line is left alone
        #expect(try wire("a.b\r\n") == "a.b\r\n.\r\n")
    }

    @Test func missingFinalCRLFIsAdded() throws {
        #expect(try wire("a\r\nb") == "a\r\nb\r\n.\r\n")
        #expect(try wire("") == ".\r\n")
    }

    @Test func smugglingSequencesAreRefused() {
        // "\n.\n" and "\r.\r" style end-of-data tricks are refused, never repaired
        #expect(throws: SMTPMessageDataError(reason: .bareLF, offset: 1)) { try SMTPMessageData(message: Array("a\n.\nMAIL FROM:<x@y>\r\n".utf8)) }
        #expect(throws: SMTPMessageDataError(reason: .bareCR, offset: 1)) { try SMTPMessageData(message: Array("a\r.\r\n".utf8)) }
        #expect(throws: SMTPMessageDataError(reason: .bareCR, offset: 1)) { try SMTPMessageData(message: Array("a\r".utf8)) }
        #expect(throws: SMTPMessageDataError(reason: .bareLF, offset: 0)) { try SMTPMessageData(message: Array("\n".utf8)) }
        #expect(throws: SMTPMessageDataError(reason: .nul, offset: 2)) { try SMTPMessageData(message: [0x61, 0x62, 0x00]) }
    }

    @Test func lineLengthLimit() throws {
        let longest = String(repeating: "x", count: 998) + "\r\n"
        #expect(try SMTPMessageData(message: Array(longest.utf8)).messageSize == 1000)
        #expect(throws: SMTPMessageDataError(reason: .lineTooLong, offset: 6)) {
            try SMTPMessageData(message: Array(("a: b\r\n" + String(repeating: "x", count: 999)).utf8))
        }
    }

    @Test func eightBitDetection() throws {
        #expect(try SMTPMessageData(message: Array("ü\r\n".utf8)).has8BitOctets)
        #expect(try !SMTPMessageData(message: Array("u\r\n".utf8)).has8BitOctets)
    }

    @Test func envelopeRefusesInjection() {
        #expect(throws: EnvelopeError(field: "recipient", offset: 5, reason: "control character or space")) {
            try Envelope(mailFrom: "a@b.test", recipient: "x@y.t\r\nRCPT TO:<evil@z>")
        }
        #expect(throws: EnvelopeError(field: "mail from", offset: 3, reason: "angle bracket")) {
            try Envelope(mailFrom: "a@b>x", recipient: "x@y.test")
        }
        #expect(throws: EnvelopeError(field: "recipient", offset: 0, reason: "empty")) {
            try Envelope(mailFrom: "", recipient: "")
        }
        #expect(throws: EnvelopeError(field: "recipient", offset: 0, reason: "not of the form local-part@domain")) {
            try Envelope(mailFrom: "", recipient: "nobody")
        }
        // the null reverse path is allowed
        #expect(throws: Never.self) { try Envelope(mailFrom: "", recipient: "x@y.test") }
    }

    /// A space is part of a quoted local part (RFC 5321 §4.1.2), and nowhere else; a line break never.
    @Test func spacesOnlyInsideAQuotedLocalPart() throws {
        #expect(try Envelope(mailFrom: "", recipient: #""two words"@example.org"#).recipient == #""two words"@example.org"#)
        #expect(throws: Never.self) { try Envelope(mailFrom: "", recipient: #""a\" b"@example.org"#) }
        #expect(throws: EnvelopeError(field: "recipient", offset: 3, reason: "control character or space")) {
            try Envelope(mailFrom: "", recipient: "two words@example.org")
        }
        #expect(throws: EnvelopeError(field: "recipient", offset: 11, reason: "control character or space")) {
            try Envelope(mailFrom: "", recipient: #""two"@x.org y@z.org"#)
        }
        #expect(throws: EnvelopeError(field: "recipient", offset: 2, reason: "control character or space")) {
            try Envelope(mailFrom: "", recipient: "\"a\r\nRSET\"@example.org")
        }
    }

    @Test func decodedEnvelopeIsChecked() throws {
        let good = try JSONDecoder().decode(Envelope.self, from: Data(#"{"mailFrom":"a@b.test","recipient":"jürgen@c.test"}"#.utf8))
        #expect(good.recipient == "jürgen@c.test" && good.requiresSMTPUTF8)
        let roundTrip = try JSONDecoder().decode(Envelope.self, from: JSONEncoder().encode(good))
        #expect(roundTrip == good)
        #expect(throws: EnvelopeError(field: "recipient", offset: 5, reason: "control character or space")) {
            try JSONDecoder().decode(Envelope.self, from: Data(#"{"mailFrom":"a@b.test","recipient":"x@y.t\r\nDATA"}"#.utf8))
        }
    }
}

@Suite("Seeded random round trips")
struct SeededRoundTripTests {
    /// Undoes dot-stuffing as a server does and strips the final ".\r\n".
    private func unstuff(_ wire: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var atLineStart = true
        for byte in wire.dropLast(3) {
            if atLineStart && byte == UInt8(ascii: ".") {
                atLineStart = false
                continue
            }
            out.append(byte)
            atLineStart = byte == 0x0A
        }
        return out
    }

    @Test func dotStuffingRoundTrips() throws {
        var rng = SeededGenerator(seed: 99)
        let alphabet = Array("ab. \t:".utf8)
        for _ in 0..<500 {
            var message: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    message.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)])
                }
                message += [0x0D, 0x0A]
            }
            let data = try SMTPMessageData(message: message)
            #expect(data.bytes.suffix(3) == [UInt8(ascii: "."), 0x0D, 0x0A])
            #expect(unstuff(data.bytes) == message)
            // no line of the wire form is a lone "." before the end
            let wire = data.bytes
            for index in 0..<max(0, wire.count - 5) where wire[index] == 0x0A {
                #expect(!(wire[index + 1] == UInt8(ascii: ".") && wire[index + 2] == 0x0D))
            }
        }
    }

    /// The DATA encoding spelled out one byte at a time: the first fault in byte order, or the wire form.
    private func reference(_ message: [UInt8]) -> Result<[UInt8], SMTPMessageDataError> {
        var out: [UInt8] = []
        var lineStart = 0
        var index = 0
        while index < message.count {
            let byte = message[index]
            if index == lineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            if byte == 0x0D {
                guard index + 1 < message.count, message[index + 1] == 0x0A else { return .failure(.init(reason: .bareCR, offset: index)) }
                out += [0x0D, 0x0A]
                index += 2
                lineStart = index
                continue
            }
            if byte == 0x0A { return .failure(.init(reason: .bareLF, offset: index)) }
            if byte == 0 { return .failure(.init(reason: .nul, offset: index)) }
            if index - lineStart >= SMTPMessageData.maximumLineLength { return .failure(.init(reason: .lineTooLong, offset: lineStart)) }
            out.append(byte)
            index += 1
        }
        if lineStart != message.count { out += [0x0D, 0x0A] }
        return .success(out + [UInt8(ascii: "."), 0x0D, 0x0A])
    }

    @Test func encodingMatchesByteByByteReference() {
        var rng = SeededGenerator(seed: 2_718)
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array(".".utf8), Array("..".utf8), [0x0D, 0x0A], [0x0D, 0x0A], [0x0D, 0x0A], [0x0D], [0x0A], [0x00],
            [0xC3, 0xBC], Array("word ".utf8), Array(repeating: UInt8(ascii: "x"), count: 997), Array(repeating: UInt8(ascii: "y"), count: 420),
        ]
        var faults = 0
        for _ in 0..<3_000 {
            var message: [UInt8] = []
            // mostly clean messages, so that both the success and the fault paths are exercised
            let clean = Bool.random(using: &rng)
            for _ in 0..<Int.random(in: 0...14, using: &rng) {
                var piece = pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                if clean && (piece == [0x0D] || piece == [0x0A] || piece == [0x00]) { piece = [0x0D, 0x0A] }
                message += piece
            }
            let expected = reference(message)
            do {
                let data = try SMTPMessageData(message: message)
                #expect(expected == .success(data.bytes), "\(message)")
                #expect(data.has8BitOctets == message.contains { $0 >= 0x80 })
                #expect(data.messageSize == message.count)
            } catch {
                faults += 1
                #expect(expected == .failure(error), "\(message)")
            }
        }
        #expect(faults > 300 && faults < 2_700)
    }

    @Test func replyParserIsIndependentOfChunking() throws {
        let stream = Array("220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 SIZE 100\r\n250 2.1.0 Ok\r\n550 5.1.1 no\r\n354\r\n".utf8)
        var whole: [SMTPReply] = []
        var rest = stream[...]
        while let (reply, used) = try SMTPReplyParser.parse(Array(rest)) {
            whole.append(reply)
            rest = rest.dropFirst(used)
        }
        #expect(whole.count == 5 && rest.isEmpty)
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            // feed random chunks, parsing whenever possible
            var buffer: [UInt8] = []
            var replies: [SMTPReply] = []
            var offset = 0
            while offset < stream.count {
                let size = Int.random(in: 1...9, using: &rng)
                buffer += stream[offset..<min(stream.count, offset + size)]
                offset += size
                while let (reply, used) = try SMTPReplyParser.parse(buffer) {
                    replies.append(reply)
                    buffer.removeFirst(used)
                }
            }
            #expect(replies == whole)
        }
    }
}
