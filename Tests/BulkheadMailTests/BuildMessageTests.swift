import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// Exact-output tests: fixed inputs, Date, Message-ID and random generator give fixed bytes,
/// compared with Fixtures/build/<name>.eml (checked by hand and by Python's email package).
@Suite struct BuildMessageTests {
    static let shop = Mailbox(displayName: "Shop", localPart: "news", domain: "shop.example")
    static let ann = Mailbox(displayName: "Ann Example", localPart: "ann", domain: "example.org")

    static func base() throws -> MessageBuilder {
        var builder = MessageBuilder(from: shop)
        builder.to = [.mailbox(ann)]
        builder.date = MessageDate(secondsSince1970: 1_795_000_000, utcOffsetMinutes: 60)
        builder.messageID = try MessageID(left: "fixed.1", right: "shop.example")
        return builder
    }

    static func cases() throws -> [(name: String, builder: MessageBuilder)] {
        var plain = try base()
        plain.subject = "Plain text"
        plain.textBody = "Hello Ann,\nthis is plain 7bit text.\n"

        var alternative = try base()
        alternative.cc = [.mailbox(Mailbox(localPart: "cc", domain: "example.org"))]
        alternative.replyTo = [.mailbox(Mailbox(displayName: "Support Team", localPart: "help", domain: "shop.example"))]
        alternative.subject = "Text and HTML"
        alternative.textBody = "Hello Ann,\r\nsee the HTML part.\r\n"
        alternative.htmlBody = "<p>Hello Ann,</p>\n<p>see <b>this</b>.</p>\n"
        try alternative.addHeader(name: "List-Unsubscribe", value: "<https://shop.example/unsubscribe/ann>")

        var mixed = try base()
        mixed.subject = "Your invoice"
        mixed.textBody = "Invoice attached.\n"
        mixed.attachments = [Attachment(filename: "invoice.pdf", mediaType: "application/pdf", data: Array("%PDF-1.4\n\u{1}binary\u{0}".utf8))]

        var related = try base()
        related.subject = "Inline logo"
        related.textBody = "Logo inside."
        related.htmlBody = "<img src=\"cid:logo@shop.example\">"
        related.inlineImages = [
            InlineImage(
                contentID: "logo@shop.example", mediaType: "image/png", data: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], filename: "logo.png")
        ]
        related.attachments = [Attachment(filename: "terms.txt", mediaType: "text/plain", data: Array("Terms.\r\n".utf8))]

        var unicode = try base()
        unicode.subject = "Grüße aus Köln – Angebot für Zoë"
        unicode.to = [.mailbox(Mailbox(displayName: "Zoë Ünal", localPart: "zoe", domain: "example.org"))]
        unicode.textBody = "Grüße, Zoë!\nDer Preis: 5 €.\n"
        unicode.attachments = [Attachment(filename: "Preisübersicht März 2026.csv", mediaType: "text/csv", data: Array("a;b\r\n1;2\r\n".utf8))]
        return [("plain", plain), ("alternative", alternative), ("mixed", mixed), ("related", related), ("unicode", unicode)]
    }

    static func built(_ builder: MessageBuilder) throws -> [UInt8] {
        var generator = SeededGenerator(seed: 42)
        return try builder.build(using: &generator)
    }

    @Test(arguments: ["plain", "alternative", "mixed", "related", "unicode"])
    func matchesFixture(name: String) throws {
        let builder = try #require(try Self.cases().first { $0.name == name }).builder
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "eml", subdirectory: "Fixtures/build"))
        let expected = [UInt8](try Data(contentsOf: url))
        let actual = try Self.built(builder)
        #expect(actual == expected, "\(name): got\n\(String(decoding: actual, as: UTF8.self))")
    }

    @Test func outputIsCRLFOnlyAndWithinLineLimits() throws {
        for (name, builder) in try Self.cases() {
            let bytes = try Self.built(builder)
            var lineLength = 0
            for (index, byte) in bytes.enumerated() {
                if byte == 0x0A {
                    #expect(index > 0 && bytes[index - 1] == 0x0D, "\(name): bare LF at \(index)")
                    lineLength = 0
                } else if byte == 0x0D {
                    #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "\(name): bare CR at \(index)")
                } else {
                    lineLength += 1
                    #expect(lineLength <= 78, "\(name): line over 78 at \(index)")
                }
                #expect(byte < 0x80 && byte != 0, "\(name): non-ASCII or NUL at \(index)")
            }
            #expect(bytes.suffix(2) == [0x0D, 0x0A])
        }
    }

    @Test func fixturesReadBackInPython() throws {
        let cases = try Self.cases()
        let described = try PythonEmailReader.describe(try cases.map { try Self.built($0.builder) })
        for (python, item) in zip(described, cases) {
            let problems = PythonEmailReader.mismatches(python: python, builder: item.builder)
            #expect(problems.isEmpty, "\(item.name): \(problems)")
        }
    }

    @Test func transferEncodingFollowsContent() throws {
        func encoding(of text: String) throws -> String {
            var builder = try Self.base()
            builder.textBody = text
            let message = String(decoding: try Self.built(builder), as: UTF8.self)
            let line = message.components(separatedBy: "\r\n").first { $0.hasPrefix("Content-Transfer-Encoding: ") }
            return line.map { String($0.dropFirst(27)) } ?? "none"
        }
        #expect(try encoding(of: "ascii only") == "7bit")
        #expect(try encoding(of: String(repeating: "y", count: 999)) == "quoted-printable")
        #expect(try encoding(of: "mostly ascii with one é") == "quoted-printable")
        #expect(try encoding(of: "日本語のテキスト") == "base64")
        #expect(try encoding(of: "nul \u{0} byte") == "quoted-printable")
    }

    @Test func boundaryAvoidsContentLines() throws {
        // A generator whose first boundary stem is written at a line start of the 7bit text: the
        // builder must detect it and draw another.
        var probe = SeededGenerator(seed: 5)
        var stem: [UInt8] = [UInt8(ascii: "="), UInt8(ascii: "_")]
        MessageID.appendBase32(probe.next(), count: 13, to: &stem)
        var builder = try Self.base()
        builder.textBody = "--" + String(decoding: stem, as: UTF8.self) + ".a\n"
        builder.htmlBody = "<p>x</p>"
        var generator = SeededGenerator(seed: 5)
        let message = String(decoding: try builder.build(using: &generator), as: UTF8.self)
        #expect(!message.contains("boundary=\"" + String(decoding: stem, as: UTF8.self)))
        #expect(message.contains("\r\n--" + String(decoding: stem, as: UTF8.self) + ".a\r\n"))
        let described = try PythonEmailReader.describe([Array(message.utf8)])
        #expect(PythonEmailReader.mismatches(python: described[0], builder: builder).isEmpty)
    }

    @Test func defaultsFillDateMessageIDAndRandomBoundaries() throws {
        var builder = MessageBuilder(from: Self.shop)
        builder.textBody = "a"
        builder.htmlBody = "b"
        let one = String(decoding: try builder.build(), as: UTF8.self)
        let two = String(decoding: try builder.build(), as: UTF8.self)
        #expect(one.hasPrefix("Date: "))
        #expect(one.contains("@shop.example>\r\nMIME-Version: 1.0\r\n"))
        #expect(one != two)
    }
}
