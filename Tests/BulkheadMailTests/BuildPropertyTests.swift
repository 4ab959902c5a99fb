import PropertyBased
import Testing

@testable import BulkheadMail

/// Random messages built here must read back equal in Python's `email` package.
@Suite struct BuildPropertyTests {
    /// Fragments that stress the encoders: line breaks of every kind, dots and "From " at line
    /// starts, boundary look-alikes, encoded-word look-alikes, non-ASCII, a line over 998 octets.
    static let bodyPieces: [String] = [
        "\r", "\n", "\r\n", "\n.", "\nFrom ", ".", "From ", "--", "--=_", "=", "=?utf-8?q?x?=", " ", "\t", "  \n",
        "é", "Grüße", "日本語", "😀", "a", "word ", "Hello, world. ", "\u{0}", "\u{1}",
        String(repeating: "x", count: 1100), String(repeating: "ab ", count: 40),
    ]
    static let headerPieces: [String] = [
        " ", "  ", "\t", "a", "Sale", "Grüße", "日本語", "😀", "=?", "?=", "\"", "(", ")", ",", ";", "<", "@", "\\",
        "\u{1}", String(repeating: "long", count: 30), "x",
    ]

    /// A fragment chosen by `random`: one time in four a random scalar of the Basic Multilingual
    /// Plane above the Latin-1 controls (surrogates excluded), otherwise one of `pieces`.
    static func fragment(_ random: UInt32, _ pieces: [String]) -> String {
        if random % 4 == 0 {
            return UnicodeScalar(0xA0 + (random >> 2) % (0xD800 - 0xA0)).map { String($0) } ?? ""
        }
        return pieces[Int(random >> 2) % pieces.count]
    }

    static let randomWord = Gen<UInt32>.value(in: 0...UInt32.max)
    static let text = randomWord.array(of: 0...40).map { $0.map { fragment($0, bodyPieces) }.joined() }
    static let headerText = randomWord.array(of: 0...12).map { $0.map { fragment($0, headerPieces) }.joined() }
    /// Display names without control characters: Python flags those as NonPrintableDefect even
    /// inside encoded-words, which is how they must be sent.
    static let displayName = randomWord.array(of: 0...12).map { $0.map { fragment($0, namePieces) }.joined() }
    static let namePieces = headerPieces.filter { $0 != "\u{1}" }
    static let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...400)
    static let attachment = zip(
        headerText, bytes, Gen<String?>.element(of: ["application/octet-stream", "text/plain", "image/png"]).map { $0 ?? "text/plain" }
    )
    .map { name, data, type in Attachment(filename: name.isEmpty ? "f" : name, mediaType: type, data: data) }
    static let body = zip(Gen<Int>.value(in: 0...3), text, text).map { kind, plain, html -> (String?, String?) in
        switch kind {
        case 0: (plain, nil)
        case 1: (nil, html)
        case 2: (plain, html)
        default: (nil, nil)
        }
    }

    static let message = zip(headerText, displayName, body, attachment.array(of: 0...2), bytes.array(of: 0...1), headerText)
        .map { subject, name, body, attachments, inline, custom -> MessageBuilder in
            var builder = MessageBuilder(from: Mailbox(displayName: name, localPart: "news", domain: "shop.example"))
            builder.to = [.mailbox(Mailbox(displayName: name + "!", localPart: "to", domain: "example.org"))]
            builder.subject = subject
            builder.textBody = body.0
            builder.htmlBody = body.1
            builder.attachments = attachments
            builder.inlineImages = inline.enumerated().map {
                InlineImage(contentID: "img\($0.offset)@shop.example", mediaType: "image/gif", data: $0.element)
            }
            // A custom value always has text: Python reads an empty field as missing.
            try? builder.addHeader(name: "X-Note", value: "n" + custom)
            return builder
        }

    @Test(.shrinking(false)) func randomMessagesReadBackEqual() async throws {
        await propertyCheck(count: 6, input: Self.message.array(of: 40)) { builders in
            do {
                var generator = SystemRandomNumberGenerator()
                let messages = try builders.map { try $0.build(using: &generator) }
                let described = try PythonEmailReader.describe(messages)
                for (python, builder) in zip(described, builders) {
                    let problems = PythonEmailReader.mismatches(python: python, builder: builder)
                    #expect(problems.isEmpty, "subject \(builder.subject.debugDescription): \(problems)")
                }
            } catch {
                Issue.record("building or reading failed: \(error)")
            }
        }
    }
}
