import Testing

@testable import BulkheadMail

/// Each hostile or broken input gives its documented error (or defect), never a crash.
@Suite struct ParseHostileTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func tenMegabyteHeaderLine() {
        let message = bytes("Subject: ok\r\nX-Long: ") + [UInt8](repeating: 0x61, count: 10_000_000) + bytes("\r\n\r\nbody")
        #expect(throws: MIMEParseError.headerLineTooLong(offset: 13, limit: 64 * 1024)) {
            try MIMEParser().parse(message)
        }
    }

    @Test func longFoldedFieldAndLargeSection() {
        var field = "X-Folded: a"
        for _ in 0..<20_000 { field += "\r\n bcdefghijklmn" }
        #expect(throws: MIMEParseError.headerFieldTooLong(offset: 0, limit: 256 * 1024)) {
            try MIMEParser().parse(bytes(field + "\r\n\r\n"))
        }
        let small = MIMEParser.Limits(maxHeaderSectionBytes: 100)
        let section = String(repeating: "X-A: 0123456789\r\n", count: 10) + "\r\n"
        #expect(throws: MIMEParseError.headerSectionTooLarge(offset: 0, limit: 100)) {
            try MIMEParser(limits: small).parse(bytes(section))
        }
    }

    @Test func hundredThousandHeaderFields() {
        var message: [UInt8] = []
        for _ in 0..<100_000 { message += bytes("X-A: b\n") }
        message += bytes("\nbody")
        #expect(throws: MIMEParseError.tooManyHeaderFields(offset: 7 * 1_000, limit: 1_000)) {
            try MIMEParser().parse(message)
        }
    }

    @Test func thousandDeepNestedMultiparts() {
        var head: [UInt8] = []
        var tail: [UInt8] = []
        var depth33Offset = -1
        for level in 0..<1_000 {
            if level == 33 { depth33Offset = head.count }
            head += bytes("Content-Type: multipart/mixed; boundary=b\(level)\n\n--b\(level)\n")
            tail = bytes("\n--b\(level)--\n") + tail
        }
        let message = head + bytes("\ninner\n") + tail
        #expect(throws: MIMEParseError.nestingTooDeep(offset: depth33Offset, limit: 32)) {
            try MIMEParser().parse(message)
        }
        // Nesting of embedded messages counts too.
        let embedded = String(repeating: "Content-Type: message/rfc822\n\n", count: 40) + "body"
        #expect(throws: MIMEParseError.nestingTooDeep(offset: 30 * 33, limit: 32)) {
            try MIMEParser().parse(bytes(embedded))
        }
    }

    @Test func tooManyParts() throws {
        var message = "Content-Type: multipart/mixed; boundary=x\n\n"
        for _ in 0..<20 { message += "--x\n\npart\n" }
        message += "--x--\n"
        let limits = MIMEParser.Limits(maxParts: 10)
        let tenthPart = 43 + 9 * 10 + 4  // the 11th entity: the message counts as one
        #expect(throws: MIMEParseError.tooManyParts(offset: tenthPart, limit: 10)) {
            try MIMEParser(limits: limits).parse(bytes(message))
        }
        #expect(try MIMEParser().parse(bytes(message)).parts.count == 20)
    }

    @Test func messageOverTheSizeLimit() {
        let limits = MIMEParser.Limits(maxMessageBytes: 1_000)
        let message = [UInt8](repeating: 0x41, count: 1_001)
        #expect(throws: MIMEParseError.messageTooLarge(size: 1_001, limit: 1_000)) {
            try MIMEParser(limits: limits).parse(message)
        }
        #expect(throws: Never.self) { try MIMEParser(limits: limits).parse(Array(message.prefix(1_000))) }
    }

    static let base64Head = "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"

    @Test func truncatedBase64() {
        let message = bytes(Self.base64Head + "AAEC\nAA")
        let bodyStart = Self.base64Head.utf8.count
        #expect(throws: MIMEParseError.invalidBase64(offset: bodyStart + 7, partOffset: 7, reason: .truncated)) {
            try MIMEParser().parse(message)
        }
        let lenient = try? MIMEParser(base64Policy: .lenient).parse(message)
        #expect(lenient?.decodedBody == [0, 1, 2, 0])
        #expect(lenient?.defects == [.invalidBase64(offset: bodyStart + 7, reason: .truncated)])
    }

    @Test func invalidBase64Characters() {
        let bodyStart = Self.base64Head.utf8.count
        #expect(throws: MIMEParseError.invalidBase64(offset: bodyStart + 5, partOffset: 5, reason: .invalidCharacter(0x2A))) {
            try MIMEParser().parse(bytes(Self.base64Head + "AAEC\n*AAA"))
        }
        #expect(throws: MIMEParseError.invalidBase64(offset: bodyStart + 4, partOffset: 4, reason: .dataAfterPadding)) {
            try MIMEParser().parse(bytes(Self.base64Head + "AA==AAAA"))
        }
        #expect(throws: MIMEParseError.invalidBase64(offset: bodyStart + 1, partOffset: 1, reason: .badPadding)) {
            try MIMEParser().parse(bytes(Self.base64Head + "A===\n"))
        }
        #expect(throws: Base64Decoder.DecodingError(offset: 3, reason: .truncated)) {
            try Base64Decoder.decode(bytes("QQ="))
        }
        #expect(Base64Decoder.decodeLeniently(bytes("QQ==QkM=")) == bytes("ABC"))
    }

    @Test func invalidUTF8InAUTF8TextPart() throws {
        let message = try MIMEParser().parse(
            bytes("Content-Type: text/plain; charset=UTF-8\n\nabc") + [0xC3, 0x28] + bytes("def"))
        #expect(throws: MIMETextError.invalidText(charset: "UTF-8", offset: 3)) { try message.text() }
        #expect(message.decodedBody == bytes("abc") + [0xC3, 0x28] + bytes("def"))
    }

    @Test func missingBoundaryParameter() {
        #expect(throws: MIMEParseError.missingBoundaryParameter(offset: 0)) {
            try MIMEParser().parse(bytes("Content-Type: multipart/mixed\n\n--x\n\nbody\n--x--\n"))
        }
        #expect(throws: MIMEParseError.invalidBoundary(offset: 0, length: 0)) {
            try MIMEParser().parse(bytes("Content-Type: multipart/mixed; boundary=\"\"\n\nbody\n"))
        }
    }

    @Test func missingFinalBoundaryIsADefect() throws {
        let text = "Content-Type: multipart/mixed; boundary=x\n\n--x\n\nfirst\n--x\nContent-Type: text/html\n\n<b>last</b>\n"
        let message = try MIMEParser().parse(bytes(text))
        #expect(message.parts.map(\.decodedBody) == [bytes("first"), bytes("<b>last</b>\n")])
        #expect(message.defects == [.missingFinalBoundary(offset: 43)])
        let none = try MIMEParser().parse(bytes("Content-Type: multipart/mixed; boundary=x\n\njust text\n"))
        #expect(none.parts.isEmpty)
        #expect(none.defects == [.noBoundaryFound(offset: 43)])
    }

    @Test func crLfMixAndNulBytes() throws {
        let text = "Subject: a\r\n b\nX-Nul: x\0y\rz\r\n\nline1\r\nline2\n"
        let message = try MIMEParser().parse(bytes(text))
        #expect(message.headers.map(\.name) == ["Subject", "X-Nul"])
        #expect(message.headers["Subject"] == "a b")
        #expect(message.headers["X-Nul"] == "x y z")
        #expect(message.defects == [.forbiddenOctetInHeader(offset: 23), .forbiddenOctetInHeader(offset: 25)])
        #expect(message.decodedBody == bytes("line1\r\nline2\n"))
        let binary = try MIMEParser().parse(bytes("Content-Transfer-Encoding: binary\n\n") + [0, 1, 0, 0x0D, 0])
        #expect(binary.decodedBody == [0, 1, 0, 0x0D, 0])
    }

    /// A defect on every line or octet costs a counter, not memory: the first 100 of each kind in
    /// the message are kept (in the entity they belong to), the rest counted.
    @Test func defectsPastTheLimitAreCountedNotKept() throws {
        let single =
            bytes("X-Nul: a") + [UInt8](repeating: 0, count: 300) + bytes("\n")
            + Array(repeating: bytes("\0\n"), count: 150).flatMap { $0 } + bytes("\nbody")
        let message = try MIMEParser().parse(single)
        #expect(message.defects.count == 200)
        #expect(message.defects.prefix(100) == (8..<108).map { MIMEDefect.forbiddenOctetInHeader(offset: $0) }[...])
        #expect(message.defects.suffix(100).allSatisfy { if case .headerLineWithoutColon = $0 { true } else { false } })
        #expect(message.omittedDefects == 200 + 50)

        // The budget is the message's: part 1 keeps 60, part 2 keeps 40 and counts 20, part 3 counts 60.
        var multipart = "Content-Type: multipart/mixed; boundary=b\n\n"
        for _ in 0..<3 { multipart += "--b\n" + String(repeating: "bad line\n", count: 60) + "\nx\n" }
        multipart += "--b--\n"
        let parts = try MIMEParser().parse(bytes(multipart)).parts
        #expect(parts.map(\.defects.count) == [60, 40, 0])
        #expect(parts.map(\.omittedDefects) == [0, 20, 60])

        let none = try MIMEParser(limits: MIMEParser.Limits(maxDefectsPerKind: 0)).parse(single)
        #expect(none.defects.isEmpty)
        #expect(none.omittedDefects == 450)
        #expect(none.headers["X-Nul"] == "a")
    }

    @Test func toleratedHeaderDefects() throws {
        let text =
            "From nobody Mon Jan 1\n leading continuation\nSubject : spaced\nBad Name: x\n: empty\nX-8bit: caf\u{E9}\nContent-Transfer-Encoding: x-uuencode\n\nraw"
        var raw = bytes(text)
        // Make X-8bit a Latin-1 header: replace the UTF-8 é (C3 A9) by the single octet E9.
        if let index = raw.firstIndex(of: 0xC3) { raw.replaceSubrange(index...(index + 1), with: [0xE9]) }
        let message = try MIMEParser().parse(raw)
        #expect(message.headers.map(\.name) == ["Subject", "X-8bit", "Content-Transfer-Encoding"])
        #expect(message.headers["subject"] == "spaced")
        #expect(message.headers["x-8bit"] == "café")
        #expect(message.decodedBody == bytes("raw"))
        #expect(
            message.defects == [
                .headerLineWithoutColon(offset: 0), .headerLineWithoutColon(offset: 22),
                .invalidHeaderFieldName(offset: 61), .invalidHeaderFieldName(offset: 73),
                .unknownTransferEncoding("x-uuencode"),
            ])
    }

    @Test func invalidContentTypeFallsBackToTextPlain() throws {
        let message = try MIMEParser().parse(bytes("Content-Type: garbage\n\nbody"))
        #expect(message.contentType == .defaultPlain)
        #expect(message.defects == [.invalidContentType("garbage")])
    }

    @Test func everyErrorHasADescription() {
        let errors: [MIMEParseError] = [
            .messageTooLarge(size: 2, limit: 1), .headerLineTooLong(offset: 1, limit: 2),
            .headerFieldTooLong(offset: 1, limit: 2), .tooManyHeaderFields(offset: 1, limit: 2),
            .headerSectionTooLarge(offset: 1, limit: 2), .nestingTooDeep(offset: 1, limit: 2),
            .tooManyParts(offset: 1, limit: 2), .missingBoundaryParameter(offset: 1),
            .invalidBoundary(offset: 1, length: 0), .invalidBase64(offset: 1, partOffset: 0, reason: .truncated),
        ]
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(
            MIMEParseError.invalidBase64(offset: 9, partOffset: 2, reason: .invalidCharacter(0x2A)).description
                == "invalid base64 at offset 9 (offset 2 in the part body): octet 0x2A is not a base64 character")
    }
}
