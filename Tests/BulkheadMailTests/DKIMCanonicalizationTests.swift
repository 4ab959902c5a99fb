import PropertyBased
import Testing

@testable import BulkheadMail

@Suite struct DKIMCanonicalizationTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// RFC 6376 §3.4.6, headers.
    @Test func rfcExampleHeaders() throws {
        let headers = bytes("A: X\r\nB : Y\t\r\n\tZ  \r\n")
        #expect(try DKIMCanonicalization.relaxed.canonicalizeHeader(headers) == bytes("a:X\r\nb:Y Z\r\n"))
        #expect(try DKIMCanonicalization.simple.canonicalizeHeader(headers) == headers)
    }

    /// RFC 6376 §3.4.6, body.
    @Test func rfcExampleBody() {
        let body = bytes(" C \r\nD \t E\r\n\r\n\r\n")
        #expect(DKIMCanonicalization.relaxed.canonicalizeBody(body) == bytes(" C\r\nD E\r\n"))
        #expect(DKIMCanonicalization.simple.canonicalizeBody(body) == bytes(" C \r\nD \t E\r\n"))
    }

    @Test func emptyBodies() {
        for body in ["", "\r\n", "\r\n\r\n\r\n", "\n\n"] {
            #expect(DKIMCanonicalization.simple.canonicalizeBody(bytes(body)) == bytes("\r\n"), "\(Array(body.utf8))")
            #expect(DKIMCanonicalization.relaxed.canonicalizeBody(bytes(body)) == [], "\(Array(body.utf8))")
        }
        // Lines of only white space are empty lines for relaxed, not for simple.
        #expect(DKIMCanonicalization.relaxed.canonicalizeBody(bytes(" \t\r\n  \r\n")) == [])
        #expect(DKIMCanonicalization.simple.canonicalizeBody(bytes(" \t\r\n  \r\n")) == bytes(" \t\r\n  \r\n"))
    }

    @Test func trailingEmptyLinesAndMissingFinalCRLF() {
        #expect(DKIMCanonicalization.simple.canonicalizeBody(bytes("a\r\n\r\nb\r\n\r\n\r\n")) == bytes("a\r\n\r\nb\r\n"))
        #expect(DKIMCanonicalization.relaxed.canonicalizeBody(bytes("a\r\n \r\nb \r\n\t\r\n")) == bytes("a\r\n\r\nb\r\n"))
        #expect(DKIMCanonicalization.simple.canonicalizeBody(bytes("abc")) == bytes("abc\r\n"))
        #expect(DKIMCanonicalization.relaxed.canonicalizeBody(bytes("abc  ")) == bytes("abc\r\n"))
    }

    @Test func whiteSpaceRuns() throws {
        #expect(DKIMCanonicalization.relaxed.canonicalizeBody(bytes("\t a \t\t b  c\t\r\n")) == bytes(" a b c\r\n"))
        // A CR that is not part of a line ending is data, not white space.
        #expect(DKIMCanonicalization.relaxed.canonicalizeBody(bytes("a\rb \r\n")) == bytes("a\rb\r\n"))
        #expect(
            try DKIMCanonicalization.relaxed.canonicalizeHeader(bytes("SUBJECT:\t  two   words \t\r\n"))
                == bytes("subject:two words\r\n"))
    }

    @Test func foldedHeaders() throws {
        let field = bytes("Subject: a very\r\n  long\r\n\tsubject \r\n")
        #expect(try DKIMCanonicalization.relaxed.canonicalizeHeader(field) == bytes("subject:a very long subject\r\n"))
        #expect(try DKIMCanonicalization.simple.canonicalizeHeader(field) == field)
        // UTF-8 bytes pass through untouched.
        let utf8 = bytes("Subject: Grüße  aus Köln\r\n")
        #expect(try DKIMCanonicalization.relaxed.canonicalizeHeader(utf8) == bytes("subject:Grüße aus Köln\r\n"))
    }

    @Test func bareLFIsReadAsCRLF() throws {
        #expect(DKIMCanonicalization.simple.canonicalizeBody(bytes("a \nb\n\n")) == bytes("a \r\nb\r\n"))
        #expect(DKIMCanonicalization.relaxed.canonicalizeBody(bytes("a \nb\n\n")) == bytes("a\r\nb\r\n"))
        #expect(try DKIMCanonicalization.simple.canonicalizeHeader(bytes("X: a\n b\n")) == bytes("X: a\r\n b\r\n"))
        #expect(try DKIMCanonicalization.relaxed.canonicalizeHeader(bytes("X: a\n b\n")) == bytes("x:a b\r\n"))
    }

    @Test func malformedHeaderSectionIsATypedError() {
        #expect(throws: DKIMMessageError.continuationWithoutField(offset: 0)) {
            try DKIMCanonicalization.relaxed.canonicalizeHeader(Array(" x\r\n".utf8))
        }
        #expect(throws: DKIMMessageError.headerLineWithoutColon(offset: 6)) {
            try DKIMCanonicalization.relaxed.canonicalizeHeader(Array("A: b\r\nnocolon\r\n".utf8))
        }
    }

    @Test func longBodyCrossesTheChunkBuffer() {
        let line = String(repeating: "word  ", count: 2000) + "\r\n"
        let relaxed = DKIMCanonicalization.relaxed.canonicalizeBody(bytes(line + line))
        let expectedLine = String(repeating: "word ", count: 1999) + "word\r\n"
        #expect(relaxed == bytes(expectedLine + expectedLine))
    }

    /// Properties: relaxed body canonicalisation is idempotent, and LF-only input gives the same
    /// result as the CRLF form.
    @Test func relaxedIsIdempotentAndLineEndingBlind() async {
        let alphabet: [UInt8] = [0x20, 0x09, 0x0A, 0x61, 0x62, 0xC3, 0xA9, 0x0A]
        await propertyCheck(count: 300, input: Gen<UInt8?>.element(of: alphabet).array(of: 0...80)) { raw in
            let lfOnly = raw.compactMap { $0 }
            var crlf: [UInt8] = []
            for byte in lfOnly {
                if byte == 0x0A { crlf.append(0x0D) }
                crlf.append(byte)
            }
            for algorithm in DKIMCanonicalization.allCases {
                let once = algorithm.canonicalizeBody(crlf)
                #expect(algorithm.canonicalizeBody(lfOnly) == once)
                #expect(algorithm.canonicalizeBody(once) == once)
            }
        }
    }

    /// RFC 6376 §3.4.4 spelled out line by line: the reference for the run-based implementation.
    private static func relaxedReference(_ body: [UInt8]) -> [UInt8] {
        var lines = body.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if body.last == 0x0A { lines.removeLast() }
        let unterminatedLast = body.last != 0x0A && !body.isEmpty
        var canonical: [[UInt8]] = lines.enumerated().map { index, line in
            var content = line
            // a CR is part of the line end only before LF
            let terminated = !(unterminatedLast && index == lines.count - 1)
            if terminated && content.last == 0x0D { content.removeLast() }
            var out: [UInt8] = []
            var inSpace = false
            for byte in content {
                if byte == 0x20 || byte == 0x09 {
                    inSpace = true
                } else {
                    if inSpace { out.append(0x20) }
                    inSpace = false
                    out.append(byte)
                }
            }
            return out
        }
        while canonical.last == [] { canonical.removeLast() }
        return canonical.flatMap { $0 + [0x0D, 0x0A] }
    }

    @Test func relaxedBodyMatchesTheLineByLineReference() async {
        let pieces: [[UInt8]] = [
            [0x20], [0x20, 0x20], [0x09], [0x0D, 0x0A], [0x0D, 0x0A], [0x0A], [0x0D], Array("word".utf8), Array(".".utf8),
            [0xC3, 0xA9], Array(repeating: 0x61, count: 5000),
            // Prose: single spaces every few bytes, runs that cross eight-byte words.
            Array("Our spring collection is here: garden tools".utf8), Array("abcdefg\t".utf8), Array("abcdefgh ".utf8),
        ]
        await propertyCheck(count: 2000, input: Gen<Int>.int(in: 0...(pieces.count - 1)).array(of: 0...40)) { choice in
            let body = choice.flatMap { pieces[$0] }
            #expect(DKIMCanonicalization.relaxed.canonicalizeBody(body) == Self.relaxedReference(body))
        }
    }
}
