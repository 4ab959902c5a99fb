import Testing

@testable import BulkheadMail

@Suite struct BuildEncoderTests {
    private func b64(_ text: String) -> String {
        String(decoding: Base64Encoder.encode(Array(text.utf8)), as: UTF8.self)
    }

    @Test func base64MatchesRFC4648Vectors() {
        #expect(b64("") == "")
        #expect(b64("f") == "Zg==")
        #expect(b64("fo") == "Zm8=")
        #expect(b64("foo") == "Zm9v")
        #expect(b64("foob") == "Zm9vYg==")
        #expect(b64("fooba") == "Zm9vYmE=")
        #expect(b64("foobar") == "Zm9vYmFy")
        #expect(String(decoding: Base64Encoder.encode([0xFB, 0xFF, 0xBF]), as: UTF8.self) == "+/+/")
    }

    @Test func base64BreaksLinesAt76WithoutTrailingBreak() {
        let exactLine = Base64Encoder.encode([UInt8](repeating: 0, count: 57))
        #expect(exactLine == [UInt8](repeating: UInt8(ascii: "A"), count: 76))
        let twoLines = Base64Encoder.encode([UInt8](repeating: 0, count: 58))
        #expect(twoLines == [UInt8](repeating: UInt8(ascii: "A"), count: 76) + Array("\r\nAA==".utf8))
        let unbroken = Base64Encoder.encode([UInt8](repeating: 0, count: 120), lineBreaks: false)
        #expect(unbroken.count == 160 && !unbroken.contains(0x0A))
    }

    @Test func base64ChunkedEqualsOneShot() {
        var state: UInt64 = 7
        let data = (0..<1000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let whole = Base64Encoder.encode(data)
        for split in [1, 2, 3, 4, 5, 7, 57, 58, 100, 999] {
            var encoder = Base64Encoder()
            var output: [UInt8] = []
            var start = 0
            while start < data.count {
                let end = min(start + split, data.count)
                encoder.encode(Array(data[start..<end]), into: &output)
                start = end
            }
            encoder.finish(into: &output)
            #expect(output == whole, "chunks of \(split)")
        }
    }

    private func qp(_ text: String) -> String {
        String(decoding: QuotedPrintableEncoder.encode(Array(text.utf8)), as: UTF8.self)
    }

    @Test func quotedPrintableEncodesWhatItMust() {
        #expect(qp("café = 1\r\n") == "caf=C3=A9 =3D 1\r\n")
        #expect(qp("trailing space \r\nand tab\t") == "trailing space=20\r\nand tab=09")
        #expect(qp("From here\r\nFrom\r\n.dot\r\na.b") == "=46rom here\r\nFrom\r\n=2Edot\r\na.b")
        #expect(qp("lone\nLF and lone\rCR") == "lone=0ALF and lone=0DCR")
        #expect(qp("nul\u{0}") == "nul=00")
        #expect(qp("plain ASCII stays plain!") == "plain ASCII stays plain!")
    }

    @Test func quotedPrintableSoftBreaksKeepLinesWithin76() {
        let long = String(repeating: "a", count: 200)
        let encoded = qp(long)
        let lines = encoded.split(separator: "\r\n", omittingEmptySubsequences: false)
        #expect(lines.map(\.count) == [76, 76, 50])
        #expect(lines[0].hasSuffix("=") && lines[1].hasSuffix("="))
        // An escape is never split across a soft break.
        let accents = qp(String(repeating: "é", count: 40))
        for line in accents.split(separator: "\r\n") {
            #expect(line.count <= 76)
            let body = line.hasSuffix("=") ? line.dropLast() : line[...]
            #expect(body.count % 3 == 0, "escape split in \(line)")
        }
    }

    @Test func dateFormatsRFC5322() {
        #expect(MessageDate(secondsSince1970: 0).formatted == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MessageDate(secondsSince1970: 1_700_000_000, utcOffsetMinutes: 60).formatted == "Tue, 14 Nov 2023 23:13:20 +0100")
        #expect(MessageDate(secondsSince1970: 951_802_200, utcOffsetMinutes: -330).formatted == "Tue, 29 Feb 2000 00:00:00 -0530")
        #expect(MessageDate(secondsSince1970: 4_102_444_799).formatted == "Thu, 31 Dec 2099 23:59:59 +0000")
        #expect(MessageDate(secondsSince1970: -5, utcOffsetMinutes: 99_999).utcOffsetMinutes == 1439)
    }

    @Test func messageIDsAreCheckedAndRandom() throws {
        #expect(try MessageID(left: "a.b", right: "example.com").headerValue == "<a.b@example.com>")
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Message-ID domain", offset: 7)) {
            try MessageID(left: "x", right: "example\r\nBcc: a@b")
        }
        #expect(throws: MessageBuildError.invalidIdentifier(field: "Message-ID left part", value: "a..b")) {
            try MessageID(left: "a..b", right: "example.com")
        }
        #expect(throws: MessageBuildError.invalidIdentifier(field: "Message-ID domain", value: "exa mple")) {
            try MessageID(left: "a", right: "exa mple")
        }
        var generator = SystemRandomNumberGenerator()
        let one = try MessageID.random(domain: "example.com", using: &generator)
        let two = try MessageID.random(domain: "example.com", using: &generator)
        #expect(one.left.count == 26 && one != two && one.right == "example.com")
    }

    @Test func messageRandomGeneratorIsFreshAcrossRefills() {
        var one = MessageRandomGenerator()
        var two = MessageRandomGenerator()
        let first = (0..<2000).map { _ in one.next() }
        let second = (0..<2000).map { _ in two.next() }
        #expect(Set(first).count == 2000, "values repeat within one generator (across 4 KB refills)")
        #expect(Set(first).isDisjoint(with: second), "two generators share values")
        let ones = first.reduce(0) { $0 + $1.nonzeroBitCount }
        #expect(abs(ones - 2000 * 32) < 2000, "bit balance \(ones) of \(2000 * 64)")
    }

    /// Byte-by-byte reference for NormalizedText's word-at-a-time copy.
    private func referenceNormalize(_ bytes: [UInt8]) -> (bytes: [UInt8], nonASCII: Int, nul: Bool, longest: Int) {
        var output: [UInt8] = []
        var nonASCII = 0
        var nul = false
        var longest = 0
        var column = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                output += [0x0D, 0x0A]
                longest = max(longest, column)
                column = 0
                index += (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) ? 2 : 1
                continue
            }
            if byte >= 0x80 { nonASCII += 1 }
            if byte == 0 { nul = true }
            output.append(byte)
            column += 1
            index += 1
        }
        return (output, nonASCII, nul, max(longest, column))
    }

    @Test func normalizedTextMatchesByteByByteReference() {
        var state: UInt64 = 99
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x00, 0x09, 0x0E, 0x20, 0x2D, 0x41, 0x7F, 0x80, 0xC3, 0xA9, 0xFF]
        for length in 0..<200 {
            let bytes = (0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let pick = Int(state >> 59)
                return pick < alphabet.count ? alphabet[pick] : UInt8(ascii: "a") + UInt8(pick % 26)
            }
            let normalized = bytes.withUnsafeBufferPointer { NormalizedText(utf8: $0) }
            let reference = referenceNormalize(bytes)
            #expect(normalized.bytes == reference.bytes, "length \(length)")
            #expect(
                normalized.nonASCIICount == reference.nonASCII && normalized.hasNUL == reference.nul
                    && normalized.longestLine == reference.longest, "length \(length)")
        }
        let dashes = NormalizedText("a\n--b")
        #expect(dashes.hasDashDashLine && !NormalizedText("a -- b").hasDashDashLine && NormalizedText("--x").hasDashDashLine)
    }

    /// A line starting with `--` and the boundary stem, anywhere in the body: against a line-by-line reference.
    @Test func delimiterLinesAreFoundOnEveryLine() {
        func reference(_ body: [UInt8], _ prefix: [UInt8]) -> Bool {
            body.split(separator: 0x0A, omittingEmptySubsequences: false).contains { $0.starts(with: Array("--".utf8) + prefix) }
        }
        let pieces = ["--", "-", "stem", "st", "x", "\r\n", "\n", " ", "--stem"].map { Array($0.utf8) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let body = (0..<Int.random(in: 0...12, using: &generator)).flatMap { _ in pieces.randomElement(using: &generator)! }
            for prefix in [Array("stem".utf8), []] {
                #expect(bodyHasDelimiterLine(body, prefix: prefix) == reference(body, prefix), "\(String(decoding: body, as: UTF8.self))")
            }
        }
        #expect(bodyHasDelimiterLine(Array("a\r\n--stem=_1\r\n".utf8), prefix: Array("stem".utf8)))
        #expect(!bodyHasDelimiterLine(Array("a --stem\r\n".utf8), prefix: Array("stem".utf8)))
    }
}
