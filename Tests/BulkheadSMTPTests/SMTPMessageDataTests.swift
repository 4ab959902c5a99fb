import BulkheadSMTP
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
}
