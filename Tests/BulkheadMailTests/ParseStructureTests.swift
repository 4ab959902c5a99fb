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
        guard case let .multipart(parts, preamble, epilogue) = message.body else {
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
