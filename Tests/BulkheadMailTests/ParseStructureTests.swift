import Testing

@testable import BulkheadMail

/// Exact tests of structure and decoded bodies on small messages.
@Suite struct ParseStructureTests {
    static let mixed = """
        From: Shop <shop@example.com>
        To: a@example.org
        Subject: =?UTF-8?Q?Caf=C3=A9?= offer
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        This is the preamble.
        --outer
        Content-Type: multipart/alternative; boundary=inner

        --inner
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Caf=C3=A9 cr=C3=A8me   =
        soft break
        --inner
        Content-Type: text/html; charset="iso-8859-1"
        Content-Transfer-Encoding: 8bit

        <p>x</p>
        --inner--
        --outer
        Content-Type: application/octet-stream; name="data.bin"
        Content-Disposition: attachment; filename="data.bin"
        Content-Transfer-Encoding: base64

        AAEC/w==
        --outer--
        The epilogue.

        """

    @Test func parsesNestedMultipartExactly() throws {
        let message = try MIMEParser().parse(Array(Self.mixed.utf8))
        #expect(message.contentType.mediaType == "multipart/mixed")
        #expect(message.contentType.parameters == ["boundary": "outer"])
        #expect(message.headers["subject"] == "=?UTF-8?Q?Caf=C3=A9?= offer")
        #expect(message.defects.isEmpty)
        guard case .multipart(let parts, let preamble, let epilogue) = message.body else {
            Issue.record("not a multipart")
            return
        }
        #expect(preamble == Array("This is the preamble.".utf8))
        #expect(epilogue == Array("The epilogue.\n".utf8))
        #expect(parts.count == 2)
        let alternative = parts[0]
        #expect(alternative.contentType.mediaType == "multipart/alternative")
        #expect(alternative.parts.count == 2)
        #expect(alternative.parts[0].decodedBody == Array("Café crème   soft break".utf8))
        #expect(try alternative.parts[0].text() == "Café crème   soft break")
        #expect(alternative.parts[1].decodedBody == Array("<p>x</p>".utf8))
        #expect(alternative.parts[1].contentType.parameters["charset"] == "iso-8859-1")
        let attachment = parts[1]
        #expect(attachment.decodedBody == [0, 1, 2, 255])
        #expect(attachment.filename == "data.bin")
        #expect(attachment.contentDisposition == ContentDisposition(type: "attachment", parameters: ["filename": "data.bin"]))
        #expect(message.allLeaves.map(\.contentType.mediaType) == ["text/plain", "text/html", "application/octet-stream"])
        #expect(message.firstEntity(mediaType: "TEXT/HTML")?.decodedBody == Array("<p>x</p>".utf8))
    }

    @Test func parsesASinglePartMessageWithoutMIMEVersion() throws {
        let message = try MIMEParser().parse(Array("Subject: hi\r\n\r\nline one\r\nline two\r\n".utf8))
        #expect(message.contentType == .defaultPlain)
        #expect(message.decodedBody == Array("line one\r\nline two\r\n".utf8))
        #expect(try message.text() == "line one\r\nline two\r\n")
    }
}

/// Header values, parameters (RFC 2231), encoded words, charsets and the header-section parser.
@Suite struct ParseHeaderTests {
    @Test func contentTypeParameters() {
        let type = ContentType(parsing: "Text/Plain (a comment) ; Charset = \"utf-8\" ; format=flowed (c) ;name=\"a \\\"q\\\" b.txt\"")
        #expect(
            type
                == ContentType(
                    type: "text", subtype: "plain",
                    parameters: [
                        "charset": "utf-8", "format": "flowed", "name": "a \"q\" b.txt",
                    ]))
        let continued = ContentType(
            parsing: "application/pdf; name*0*=utf-8''%E2%82%AC%20; name*1=\"rapport\"; name*2*=%C3%A9.pdf; name=\"fallback.pdf\"")
        #expect(continued?.parameters["name"] == "€ rapporté.pdf")
        let latin = ContentDisposition(parsing: "attachment; filename*=iso-8859-1'fr'caf%E9.txt")
        #expect(latin == ContentDisposition(type: "attachment", parameters: ["filename": "café.txt"]))
        let gap = ContentDisposition(parsing: "inline; filename*0=a; filename*2=c")
        #expect(gap?.parameters["filename"] == "a")
        #expect(ContentType(parsing: "text") == nil)
        #expect(ContentType(parsing: "/plain") == nil)
        #expect(ContentDisposition(parsing: "attachment; filename=report 2024.pdf")?.parameters["filename"] == "report 2024.pdf")
    }

    @Test func decodedHeadersAndFilenames() throws {
        let text = """
            Subject: =?UTF-8?Q?Caf=C3=A9?= =?UTF-8?B?IG5vaXI=?=
            Content-Type: application/octet-stream; name="=?UTF-8?B?w6l0w6kucGRm?="

            x
            """
        let message = try MIMEParser().parse(Array(text.utf8))
        #expect(message.decodedHeader("SUBJECT") == "Café noir")
        #expect(message.decodedHeader("X-Missing") == nil)
        #expect(message.filename == "été.pdf")
    }

    @Test func textDecodesDeclaredCharsets() throws {
        let latin = try MIMEParser().parse(Array("Content-Type: text/plain; charset=ISO-8859-1\n\n".utf8) + [0x63, 0x61, 0x66, 0xE9])
        #expect(try latin.text() == "café")
        let windows = try MIMEParser().parse(Array("Content-Type: text/plain; charset=windows-1252\n\n".utf8) + [0x80, 0x20, 0x93, 0x61, 0x94])
        #expect(try windows.text() == "€ \u{201C}a\u{201D}")
        let ascii = try MIMEParser().parse(Array("Subject: x\n\nab".utf8) + [0xE9])
        #expect(throws: MIMETextError.invalidText(charset: "us-ascii", offset: 2)) { try ascii.text() }
        let unknown = try MIMEParser().parse(Array("Content-Type: text/plain; charset=x-klingon\n\nab".utf8))
        #expect(throws: MIMETextError.unsupportedCharset("x-klingon")) { try unknown.text() }
        let multipart = try MIMEParser().parse(Array("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n".utf8))
        #expect(throws: MIMETextError.notALeaf(mediaType: "multipart/mixed")) { try multipart.text() }
    }

    @Test func headerSectionParserAndBlocks() throws {
        let bytes = Array(
            "Reporting-MTA: dns;\r\n mx.example.com\r\n\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\n\r\nFinal-Recipient: rfc822; b@example.org\r\nAction: delayed\r\n"
                .utf8)
        let (headers, bodyStart) = try HeaderSectionParser.parse(bytes)
        #expect(headers.fields == [HeaderField(uncheckedName: "Reporting-MTA", value: "dns; mx.example.com")])
        #expect(bodyStart == 40)
        let blocks = try HeaderSectionParser.parseBlocks(bytes)
        #expect(
            blocks.map { $0.map(\.value) } == [
                ["dns; mx.example.com"], ["rfc822; a@example.org", "failed"], ["rfc822; b@example.org", "delayed"],
            ])
        let slice = bytes[42...]
        let sliced = try HeaderSectionParser.parse(slice)
        #expect(sliced.headers["action"] == "failed")
        #expect(Array(bytes[sliced.bodyStart...].prefix(6)) == Array("Final-".utf8))
        #expect(throws: MIMEParseError.tooManyHeaderFields(offset: 82, limit: 1)) {
            try HeaderSectionParser.parse(slice, limits: MIMEParser.Limits(maxHeaderFields: 1))
        }
        #expect(throws: MIMEParseError.tooManyParts(offset: 42, limit: 1)) {
            try HeaderSectionParser.parseBlocks(bytes, limits: MIMEParser.Limits(maxParts: 1))
        }
    }

    @Test func lfAndCrlfFormsParseAlike() throws {
        let lf = Array(ParseStructureTests.mixed.utf8)
        var crlf: [UInt8] = []
        for byte in lf {
            if byte == 0x0A { crlf.append(0x0D) }
            crlf.append(byte)
        }
        let a = try MIMEParser().parse(lf)
        let b = try MIMEParser().parse(crlf)
        func shape(_ entity: MIMEEntity) -> [String] {
            entity.allEntities.map { entity in
                let body =
                    entity.decodedBody.map { bytes in
                        String(decoding: bytes, as: UTF8.self).replacingCRLF()
                    } ?? "-"
                return "\(entity.contentType) \(entity.headers.fields) \(entity.defects.count) \(body)"
            }
        }
        #expect(shape(a) == shape(b))
        #expect(shape(a).count == 5)
        #expect(b.parts[1].decodedBody == [0, 1, 2, 255])
        guard case .multipart(_, let preamble, let epilogue) = b.body else {
            Issue.record("not multipart")
            return
        }
        #expect(preamble == Array("This is the preamble.".utf8))
        #expect(epilogue == Array("The epilogue.\r\n".utf8))
    }
}

extension String {
    func replacingCRLF() -> String {
        String(decoding: Array(utf8).filter { $0 != 0x0D }, as: UTF8.self)
    }
}
