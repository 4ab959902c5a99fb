import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// MessageCopy: header fields removed and readdressed on the exact octets, the body untouched.
@Suite struct MessageCopyTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static let held = bytes(
        "Received: from client.example by relay.example;\r\n\tMon, 2 Jun 2025 10:00:00 +0000\r\n"
            + "DKIM-Signature: v=1; a=ed25519-sha256; d=shop.example; s=s1;\r\n\th=from:to:cc; bh=abc=;\r\n\tb=def=\r\n"
            + "From: Shop <news@shop.example>\r\n"
            + "To: Ann Lee <ann@example.org>,\r\n \"Doe, Bob\" <bob@example.org>, carol@example.org\r\n"
            + "Subject: Spring\r\n offer\r\n"
            + "cc: =?UTF-8?Q?Zo=C3=AB?= <zoe@b\u{FC}cher.example>\r\n"
            + "Message-ID: <1@shop.example>\r\n"
            + "\r\n"
            + "To: not a header\r\nBody line\r\n")

    @Test func docExample() throws {
        let received = Self.bytes(
            "From: Shop <news@shop.example>\r\nTo: Ann <ann@example.org>, bob@example.org\r\n"
                + "DKIM-Signature: v=1; d=shop.example;\r\n b=abc\r\n\r\nHello\r\n")
        var copy = try MessageCopy(received)
        copy.removeFields(named: ["DKIM-Signature", "Bcc"])
        try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "ann", domain: "example.org")))
        #expect(Self.text(copy.bytes) == "From: Shop <news@shop.example>\r\nTo: Ann <ann@example.org>\r\n\r\nHello\r\n")
    }

    @Test func splitCopyKeepsEveryOtherByte() throws {
        var copy = try MessageCopy(Self.held)
        copy.removeFields(named: ["dkim-signature", "BCC"])
        try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "bob", domain: "EXAMPLE.org")))
        #expect(
            Self.text(copy.bytes)
                == "Received: from client.example by relay.example;\r\n\tMon, 2 Jun 2025 10:00:00 +0000\r\n"
                + "From: Shop <news@shop.example>\r\n"
                + "To: \"Doe, Bob\" <bob@EXAMPLE.org>\r\n"
                + "Subject: Spring\r\n offer\r\n"
                + "Message-ID: <1@shop.example>\r\n"
                + "\r\n"
                + "To: not a header\r\nBody line\r\n")
        #expect(copy.original == Self.held)
    }

    @Test func bccCopy() throws {
        var copy = try MessageCopy(Self.held)
        try copy.replaceRecipients(with: .undisclosed)
        let text = Self.text(copy.bytes)
        #expect(text.contains("From: Shop <news@shop.example>\r\nTo: undisclosed-recipients:;\r\nSubject: Spring\r\n offer\r\n"))
        #expect(!text.contains("ann@") && !text.contains("zoe@") && !text.contains("cc:"))
        #expect(copy.values(named: "to") == ["undisclosed-recipients:;"])
    }

    @Test func nonASCIINameIsEncodedAndDomainIsALabels() throws {
        var copy = try MessageCopy(Self.held)
        try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "zoe", domain: "xn--bcher-kva.example")))
        #expect(copy.values(named: "To") == ["=?UTF-8?Q?Zo=C3=AB?= <zoe@xn--bcher-kva.example>"])
        #expect(copy.bytes.allSatisfy { $0 < 0x80 })
    }

    @Test func nameOnlyFromTheSameAddress() throws {
        // The local part is compared as written: Ann@ is not ann@, so the name is not borrowed.
        var other = try MessageCopy(Self.held)
        try other.replaceRecipients(with: .recipient(Mailbox(localPart: "Ann", domain: "example.org")))
        #expect(other.values(named: "To") == ["Ann@example.org"])
        // Named without a display name in the original: the bare address.
        var carol = try MessageCopy(Self.held)
        try carol.replaceRecipients(with: .recipient(Mailbox(localPart: "carol", domain: "example.org")))
        #expect(carol.values(named: "To") == ["carol@example.org"])
        // Not in To/Cc at all (a Bcc or envelope-only recipient): the mailbox as given.
        var dan = try MessageCopy(Self.held)
        try dan.replaceRecipients(with: .recipient(Mailbox(displayName: "Dan", localPart: "dan", domain: "example.org")))
        #expect(dan.values(named: "To") == ["Dan <dan@example.org>"])
    }

    @Test func withoutToTheFieldGoesAfterFromOrLast() throws {
        var noTo = try MessageCopy(Self.bytes("Subject: x\r\nCc: a@example.org\r\nFrom: s@shop.example\r\nDate: d\r\n\r\nbody"))
        try noTo.replaceRecipients(with: .recipient(Mailbox(localPart: "a", domain: "example.org")))
        #expect(Self.text(noTo.bytes) == "Subject: x\r\nFrom: s@shop.example\r\nTo: a@example.org\r\nDate: d\r\n\r\nbody")

        var neither = try MessageCopy(Self.bytes("Subject: x\r\n\r\nbody"))
        try neither.replaceRecipients(with: .undisclosed)
        #expect(Self.text(neither.bytes) == "Subject: x\r\nTo: undisclosed-recipients:;\r\n\r\nbody")

        // Cc before the first To: the new field still goes where the To was.
        var ccFirst = try MessageCopy(Self.bytes("Cc: c@example.org\r\nFrom: s@shop.example\r\nTo: a@example.org\r\nTo: b@example.org\r\n\r\n"))
        try ccFirst.replaceRecipients(with: .undisclosed)
        #expect(Self.text(ccFirst.bytes) == "From: s@shop.example\r\nTo: undisclosed-recipients:;\r\n\r\n")
    }

    @Test func headerOnlyMessagesAndEmptyHeaders() throws {
        var headersOnly = try MessageCopy(Self.bytes("From: s@shop.example\r\nTo: a@example.org\r\n"))
        try headersOnly.replaceRecipients(with: .undisclosed)
        #expect(Self.text(headersOnly.bytes) == "From: s@shop.example\r\nTo: undisclosed-recipients:;\r\n")

        let bodyOnly = try MessageCopy(Self.bytes("\r\nFrom: not a field\r\n"))
        #expect(bodyOnly.values(named: "From").isEmpty)
        #expect(bodyOnly.bytes == Self.bytes("\r\nFrom: not a field\r\n"))
        #expect(try MessageCopy([]).bytes.isEmpty)
    }

    @Test func valuesAreUnfoldedAndTrimmed() throws {
        let copy = try MessageCopy(Self.held)
        #expect(copy.values(named: "TO") == [#"Ann Lee <ann@example.org>, "Doe, Bob" <bob@example.org>, carol@example.org"#])
        #expect(copy.values(named: "subject") == ["Spring offer"])
        #expect(copy.values(named: "Cc") == ["=?UTF-8?Q?Zo=C3=AB?= <zoe@bücher.example>"])
        #expect(copy.values(named: "Bcc").isEmpty)
        // Invalid UTF-8 is read as ISO-8859-1, never lost.
        #expect(try MessageCopy([0x58, 0x3A, 0x20, 0xE9, 0x0D, 0x0A]).values(named: "x") == ["é"])
    }

    @Test func bodyIsByteIdentical() throws {
        // A body with bare LF, bare CR, NUL, invalid UTF-8 and header-like lines, and no final CRLF.
        var body: [UInt8] = Self.bytes("To: everyone@example.org\nBcc: x\r\r\n")
        body += [0x00, 0xFF, 0xFE, 0x0A, 0x0D]
        body += (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let header = Self.bytes("From: s@shop.example\r\nTo: a@example.org, b@example.org\r\nBcc: c@example.org\r\n\r\n")
        var copy = try MessageCopy(header + body)
        copy.removeFields(named: ["Bcc"])
        try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "b", domain: "example.org")))
        let out = copy.bytes
        let expectedHeader = Self.bytes("From: s@shop.example\r\nTo: b@example.org\r\n\r\n")
        #expect(Array(out.prefix(expectedHeader.count)) == expectedHeader)
        #expect(Array(out.dropFirst(expectedHeader.count)) == body)
    }

    @Test func longRecipientIsFolded() throws {
        let name = String(repeating: "Annabelle ", count: 12) + "Lee"
        let original = Self.bytes("From: s@shop.example\r\nTo: \"\(name)\" <ann@example.org>\r\n\r\n")
        var copy = try MessageCopy(original)
        try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "ann", domain: "example.org")))
        let text = Self.text(copy.bytes)
        #expect(text.split(separator: "\r\n").allSatisfy { $0.utf8.count <= HeaderField.maximumLineLength })
        #expect(text.contains("\r\n Annabelle"))
        #expect(copy.values(named: "To") == ["\(name) <ann@example.org>"])
    }

    @Test func injectionIsRefused() throws {
        var copy = try MessageCopy(Self.held)
        #expect(throws: MessageCopyError.build(.forbiddenCharacter(field: "To display name", offset: 3))) {
            try copy.replaceRecipients(with: .recipient(Mailbox(displayName: "Dan\r\nBcc: all@example.org", localPart: "dan", domain: "example.org")))
        }
        #expect(throws: MessageCopyError.build(.forbiddenCharacter(field: "To local part", offset: 1))) {
            try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "d\0n", domain: "example.org")))
        }
        // A display name whose encoded-words decode to CRLF is not carried over.
        var encoded = try MessageCopy(Self.bytes("From: s@shop.example\r\nTo: =?UTF-8?Q?Ann=0D=0ABcc=3A_x?= <ann@example.org>\r\n\r\n"))
        try encoded.replaceRecipients(with: .recipient(Mailbox(localPart: "ann", domain: "example.org")))
        #expect(encoded.values(named: "To") == ["ann@example.org"])
    }

    @Test func malformedHeaderSectionsAreTypedErrors() {
        let cases: [(String, MessageCopyError)] = [
            ("From: a@example.org\nTo: b@example.org\n\nbody\n", .bareLineFeed(offset: 19)),
            ("From: a@example.org\r\nSubject: x\ry\r\n\r\n", .bareCarriageReturn(offset: 31)),
            ("From: a@example.org\r\nSubject: x\0y\r\n\r\n", .nulInHeader(offset: 31)),
            (" folded first\r\nFrom: a@example.org\r\n\r\n", .continuationWithoutField(offset: 0)),
            ("From: a@example.org\r\nno colon here\r\n\r\n", .headerLineWithoutColon(offset: 21)),
            ("From: a@example.org\r\n: empty name\r\n\r\n", .invalidFieldName(offset: 21)),
            ("From: a@example.org\r\nX Y: space\r\n\r\n", .invalidFieldName(offset: 21)),
            ("From: a@example.org\r\nSubject: no end", .unterminatedHeaderLine(offset: 21)),
            ("\n", .bareLineFeed(offset: 0)),
        ]
        for (input, expected) in cases {
            #expect(throws: expected, "\(input.debugDescription)") { try MessageCopy(Self.bytes(input)) }
        }
    }

    @Test func limitsAreEnforced() {
        let small = MIMEParser.Limits(maxMessageBytes: 1_000, maxHeaderLineBytes: 40, maxHeaderFields: 3, maxHeaderSectionBytes: 200)
        #expect(throws: MessageCopyError.messageTooLarge(limit: 1_000)) {
            try MessageCopy([UInt8](repeating: 0x41, count: 1_001), limits: small)
        }
        #expect(throws: MessageCopyError.headerLineTooLong(offset: 0, limit: 40)) {
            try MessageCopy(Self.bytes("Subject: " + String(repeating: "x", count: 100) + "\r\n\r\n"), limits: small)
        }
        #expect(throws: MessageCopyError.headerLineTooLong(offset: 0, limit: 40)) {
            try MessageCopy(Self.bytes("Subject: " + String(repeating: "x", count: 32) + "\r\n\r\n"), limits: small)
        }
        #expect(throws: Never.self) {
            try MessageCopy(Self.bytes("Subject: " + String(repeating: "x", count: 31) + "\r\n\r\n"), limits: small)
        }
        #expect(throws: MessageCopyError.tooManyHeaderFields(offset: 18, limit: 3)) {
            try MessageCopy(Self.bytes("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), limits: small)
        }
        #expect(throws: MessageCopyError.headerSectionTooLarge(limit: 200)) {
            try MessageCopy(Self.bytes("A: 1\r\n" + String(repeating: " continued line here\r\n", count: 10) + "\r\n"), limits: small)
        }
        // A body far larger than the header limits is not read.
        #expect(throws: Never.self) {
            try MessageCopy(Self.bytes("A: 1\r\n\r\n" + String(repeating: "body line without end ", count: 40)), limits: small)
        }
    }

    @Test func largeMessagesStayLinear() throws {
        // 1,000 fields and a 20 MiB body: one pass each way.
        var header = "From: s@shop.example\r\n"
        for index in 0..<998 { header += "X-Field-\(index): value \(index)\r\n continued\r\n" }
        header += "To: " + (0..<400).map { "User \($0) <u\($0)@example.org>" }.joined(separator: ",\r\n ") + "\r\n\r\n"
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 20 * 1024 * 1024)
        let clock = ContinuousClock()
        let start = clock.now
        var copy = try MessageCopy(Self.bytes(header) + body)
        try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "u399", domain: "example.org")))
        let out = copy.bytes
        #expect(clock.now - start < .seconds(20))
        #expect(copy.values(named: "To") == ["User 399 <u399@example.org>"])
        #expect(Array(out.prefix(52)) == Self.bytes("From: s@shop.example\r\nX-Field-0: value 0\r\n continued"))
        #expect(Array(out.suffix(body.count)) == body)
    }

    /// Python's `email` package reads the copies: one To, no Cc or Bcc, the body unchanged.
    @Test func pythonReadsTheCopies() throws {
        var split = try MessageCopy(Self.held)
        split.removeFields(named: ["DKIM-Signature"])
        try split.replaceRecipients(with: .recipient(Mailbox(localPart: "zoe", domain: "bücher.example")))
        var bcc = try MessageCopy(Self.held)
        try bcc.replaceRecipients(with: .undisclosed)
        let described = try PythonEmailReader.describe([split.bytes, bcc.bytes])
        let splitHeaders = try #require(described[0]["headers"] as? [String: Any])
        #expect(splitHeaders["to"] as? [[String]] == [["Zoë", "zoe", "xn--bcher-kva.example"]])
        #expect(splitHeaders["cc"] == nil && splitHeaders["bcc"] == nil && splitHeaders["dkim-signature"] == nil)
        #expect(splitHeaders["message-id"] as? String == "<1@shop.example>")
        let bccHeaders = try #require(described[1]["headers"] as? [String: Any])
        #expect(bccHeaders["to"] as? [[String]] == [])
        #expect(bccHeaders["cc"] == nil)
        for description in described {
            let tree = try #require(description["tree"] as? [String: Any])
            #expect(tree["defects"] as? [String] == [], "\(tree)")
            #expect(tree["body"] as? String == Data("To: not a header\r\nBody line\r\n".utf8).base64EncodedString())
        }
    }
}
