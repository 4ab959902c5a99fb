import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// Runs Fixtures/build/read_messages.py (Python's `email` package, policy=default) on built messages.
enum PythonEmailReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// One description per message (see read_messages.py for the shape).
    static func describe(_ messages: [[UInt8]], utf8: Bool = false) throws -> [[String: Any]] {
        let requests = messages.map { ["message": Data($0).base64EncodedString(), "utf8": utf8] as [String: Any] }
        let script = Bundle.module.url(forResource: "read_messages", withExtension: "py", subdirectory: "Fixtures/build")
        guard let list = try PythonPeer.runJSON(script, request: requests, needs: "the email package") as? [[String: Any]],
            list.count == messages.count
        else {
            throw Failure(description: "read_messages.py did not describe \(messages.count) messages")
        }
        return list
    }

    /// Every difference between what Python read and what `builder` was asked to write.
    static func mismatches(python: [String: Any], builder: MessageBuilder) -> [String] {
        if let error = python["error"] { return ["Python raised \(error)"] }
        var problems: [String] = []
        let headers = python["headers"] as? [String: Any] ?? [:]
        if let subject = builder.subject, headers["subject"] as? String != subject {
            problems.append("subject: expected \(subject.debugDescription), Python read \(String(describing: headers["subject"]))")
        }
        for (name, list) in [("from", [Address.mailbox(builder.from)]), ("to", builder.to), ("cc", builder.cc), ("reply-to", builder.replyTo)]
        where !list.isEmpty {
            // Python's phrase parser turns white space runs in display names into one space and
            // puts a space between adjacent encoded-words, so names are compared without it.
            let expected = list.flatMap(\.mailboxes).map { [withoutWhiteSpace($0.displayName ?? ""), $0.localPart, $0.domain] }
            let read = ((headers[name] as? [[String]]) ?? []).map {
                $0.enumerated().map { $0.offset == 0 ? withoutWhiteSpace($0.element) : $0.element }
            }
            if read != expected { problems.append("\(name): expected \(expected), Python read \(read)") }
        }
        for field in builder.customHeaders where headers[field.name.lowercased()] as? String != field.value {
            problems.append(
                "\(field.name): expected \(field.value.debugDescription), Python read \(String(describing: headers[field.name.lowercased()]))")
        }
        guard let tree = python["tree"] as? [String: Any] else { return problems + ["no part tree"] }
        compare(tree, expectedTree(builder), path: "root", isRoot: true, into: &problems)
        return problems
    }

    /// The part tree the builder should produce.
    indirect enum Expected {
        case text(subtype: String, String)
        case binary(type: String, data: [UInt8], filename: String?, cid: String?, disposition: String)
        case multipart(String, [Expected])
    }

    static func expectedTree(_ builder: MessageBuilder) -> Expected {
        var core: Expected
        switch (builder.textBody, builder.htmlBody) {
        case (let text?, let html?): core = .multipart("alternative", [.text(subtype: "plain", text), .text(subtype: "html", html)])
        case (nil, let html?): core = .text(subtype: "html", html)
        case (let text?, nil): core = .text(subtype: "plain", text)
        case (nil, nil): core = .text(subtype: "plain", "")
        }
        if !builder.inlineImages.isEmpty {
            core = .multipart(
                "related",
                [core]
                    + builder.inlineImages.map {
                        .binary(type: $0.mediaType, data: $0.data, filename: $0.filename, cid: "<\($0.contentID)>", disposition: "inline")
                    })
        }
        if !builder.attachments.isEmpty {
            core = .multipart(
                "mixed",
                [core]
                    + builder.attachments.map {
                        .binary(type: $0.mediaType, data: $0.data, filename: $0.filename, cid: nil, disposition: "attachment")
                    })
        }
        return core
    }

    /// What Python's get_filename() returns for a name sent exactly: it unquotes the value once
    /// more (email.utils.unquote: a name wrapped in "..." or <...>), then strips white space.
    static func pythonFilename(_ name: String) -> String {
        // Python works on code points: compare scalars, not Characters (a combining mark joins
        // the quote or space before it into one Swift Character).
        var scalars = Array(name.unicodeScalars)
        if scalars.count > 1 {
            if scalars.first == "\"" && scalars.last == "\"" {
                // .replace('\\\\', '\\') then .replace('\\"', '"'), on scalars.
                scalars = replacePairs(replacePairs(Array(scalars.dropFirst().dropLast()), "\\", "\\"), "\\", "\"")
            } else if scalars.first == "<" && scalars.last == ">" {
                scalars = Array(scalars.dropFirst().dropLast())
            }
        }
        // str.strip(): White_Space scalars and the separators U+001C...U+001F.
        let isSpace = { (scalar: Unicode.Scalar) in scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value) }
        while let first = scalars.first, isSpace(first) { scalars.removeFirst() }
        while let last = scalars.last, isSpace(last) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Python's str.replace(first + second, second), left to right without overlap.
    static func replacePairs(_ scalars: [Unicode.Scalar], _ first: Unicode.Scalar, _ second: Unicode.Scalar) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        var index = 0
        while index < scalars.count {
            if scalars[index] == first && index + 1 < scalars.count && scalars[index + 1] == second {
                output.append(second)
                index += 2
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        return output
    }

    /// The text without white space, Unicode's included: Python's phrase parser splits on every
    /// white space character (`str.split`), so a name that starts with U+2003 or U+3000 reads back
    /// without it.
    static func withoutWhiteSpace(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { !$0.properties.isWhitespace }))
    }

    /// CRLF and lone CR made LF, scalar by scalar (Foundation's replacingOccurrences misses a CR
    /// followed by a combining mark on Linux).
    static func lineFeeds(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && afterCR {
                afterCR = false
                continue
            }
            afterCR = scalar == "\r"
            output.append(afterCR ? "\n" : scalar)
        }
        return String(output)
    }

    static func compare(_ node: [String: Any], _ expected: Expected, path: String, isRoot: Bool, into problems: inout [String]) {
        let defects = node["defects"] as? [String] ?? []
        if !defects.isEmpty { problems.append("\(path): defects \(defects)") }
        let type = node["type"] as? String ?? "?"
        switch expected {
        case .text(let subtype, let text):
            if type != "text/" + subtype { problems.append("\(path): type \(type), expected text/\(subtype)") }
            var wanted = lineFeeds(text)
            // A single-part message ends with CRLF, which 7bit and quoted-printable bodies keep.
            if isRoot && node["cte"] as? String != "base64" && !wanted.hasSuffix("\n") { wanted += "\n" }
            let read = lineFeeds(node["text"] as? String ?? "<no text>")
            if read != wanted { problems.append("\(path): text \(read.debugDescription), expected \(wanted.debugDescription)") }
        case .binary(let wantedType, let data, let filename, let cid, let disposition):
            if type != wantedType { problems.append("\(path): type \(type), expected \(wantedType)") }
            let body = (node["body"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            if body != data { problems.append("\(path): body of \(body?.count ?? -1) bytes differs from the \(data.count) given") }
            let filename = filename.map(pythonFilename)
            if node["filename"] as? String != filename {
                problems.append("\(path): filename \(String(describing: node["filename"])), expected \(String(describing: filename))")
            }
            if node["cid"] as? String != cid {
                problems.append("\(path): Content-ID \(String(describing: node["cid"])), expected \(String(describing: cid))")
            }
            if node["disposition"] as? String != disposition { problems.append("\(path): disposition \(String(describing: node["disposition"]))") }
        case .multipart(let subtype, let children):
            if type != "multipart/" + subtype { problems.append("\(path): type \(type), expected multipart/\(subtype)") }
            let parts = node["parts"] as? [[String: Any]] ?? []
            if parts.count != children.count {
                problems.append("\(path): \(parts.count) parts, expected \(children.count)")
                return
            }
            for (index, (part, child)) in zip(parts, children).enumerated() {
                compare(part, child, path: "\(path).\(index)", isRoot: false, into: &problems)
            }
        }
    }
}

@Suite struct BuildInteropTests {
    static let shop = Mailbox(displayName: "Le Café Shop", localPart: "news", domain: "shop.example")

    /// Messages covering every shape and encoding the builder produces.
    static func sampleMessages() throws -> [MessageBuilder] {
        var plain = MessageBuilder(from: shop)
        plain.to = [.mailbox(Mailbox(localPart: "ann", domain: "example.org"))]
        plain.subject = "Plain ASCII"
        plain.textBody = "Hello Ann,\nsee you.\n"

        var alternative = MessageBuilder(from: shop)
        alternative.to = [
            .mailbox(Mailbox(displayName: "Zoë Ünal", localPart: "zoe", domain: "example.org")),
            .mailbox(Mailbox(displayName: "Smith, John \"JJ\"", localPart: "john", domain: "example.net")),
        ]
        alternative.cc = [.mailbox(Mailbox(displayName: "Jürgen", localPart: "j", domain: "example.de"))]
        alternative.replyTo = [.mailbox(Mailbox(localPart: "reply", domain: "shop.example"))]
        alternative.subject = "Grüße aus Köln – €5 off, ends soon: a rather long subject line that must fold somewhere"
        alternative.textBody =
            "Grüße, Zoë!\r\nLine two has a lone CR\rand a lone LF\nand " + String(repeating: "long ", count: 300) + "\n.leading dot\nFrom the shop\n"
        alternative.htmlBody = "<p>Grüße, Zoë!</p>\n" + String(repeating: "<span>x</span>", count: 100)
        try alternative.addHeader(name: "X-Campaign", value: "Frühling 2026")
        try alternative.addHeader(name: "List-Unsubscribe", value: "<https://shop.example/u/1>")

        var mixed = MessageBuilder(from: shop)
        mixed.to = [.mailbox(Mailbox(localPart: "ann", domain: "example.org"))]
        mixed.subject = "日本語の件名とても長い件名ですがきちんと折り返されるべきです。日本語の件名とても長い件名"
        mixed.textBody = "日本語の本文です。\nほとんど非ASCII。"
        mixed.attachments = [
            Attachment(
                filename: "Rechnung März 2026 – sehr langer Dateiname für die Buchhaltung.pdf", mediaType: "application/pdf",
                data: (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
            Attachment(filename: "notes \"v2\".txt", mediaType: "text/plain", data: Array("a\r\nb\r\n--not a boundary\r\n".utf8)),
            Attachment(filename: "raw.txt", mediaType: "text/plain", data: Array("bare\nLF\n".utf8)),
        ]

        var related = MessageBuilder(from: shop)
        related.to = [
            .group(name: "Friends", members: [Mailbox(localPart: "a", domain: "example.org"), Mailbox(localPart: "b", domain: "example.org")])
        ]
        related.subject = "Inline"
        related.textBody = "See the logo."
        related.htmlBody = "<img src=\"cid:logo@shop.example\">"
        related.inlineImages = [
            InlineImage(contentID: "logo@shop.example", mediaType: "image/png", data: [0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 0xFF], filename: "logo.png")
        ]
        related.attachments = [Attachment(filename: "ç.bin", mediaType: "application/octet-stream", data: [])]

        var htmlOnly = MessageBuilder(from: Mailbox(localPart: "x", domain: "example.com"))
        htmlOnly.subject = "  leading spaces and =?fake?= word"
        htmlOnly.htmlBody = "<p>only html, no newline at end</p>"

        var qpRoot = MessageBuilder(from: Mailbox(localPart: "x", domain: "example.com"))
        qpRoot.textBody = "café without newline"
        return [plain, alternative, mixed, related, htmlOnly, qpRoot]
    }

    @Test func pythonReadsWhatWasBuilt() throws {
        let builders = try Self.sampleMessages()
        var generator = SeededGenerator(seed: 1)
        let messages = try builders.map { try $0.build(using: &generator) }
        let described = try PythonEmailReader.describe(messages)
        for (index, (python, builder)) in zip(described, builders).enumerated() {
            let problems = PythonEmailReader.mismatches(python: python, builder: builder)
            #expect(problems.isEmpty, "message \(index): \(problems)")
        }
    }

    /// A long subject and `X-` field with a stray `"` fold within 78 and read back whole, by Python's
    /// `email` package and by our parser; a quoted display name in To stays in one piece.
    @Test func pythonUnfoldsAStrayQuoteSubject() throws {
        let subject = BuildHeaderTests.subjectWithStrayQuote
        var builder = MessageBuilder(from: Self.shop)
        builder.to = [.mailbox(Mailbox(displayName: "Smith, John \"JJ\" of the Spring Sale Department", localPart: "john", domain: "example.net"))]
        builder.subject = subject
        builder.textBody = "Hello\n"
        try builder.addHeader(name: "X-Note", value: subject)
        var generator = SeededGenerator(seed: 7)
        let message = try builder.build(using: &generator)
        let text = String(decoding: message, as: UTF8.self)
        let section = try #require(text.components(separatedBy: "\r\n\r\n").first)
        for line in section.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "line too long: \(line)")
        }
        let parsed = try MIMEParser().parse(message)
        #expect(parsed.headers["Subject"] == subject)
        #expect(parsed.headers["X-Note"] == subject)
        let python = try #require(try PythonEmailReader.describe([message]).first)
        #expect(
            PythonEmailReader.mismatches(python: python, builder: builder).isEmpty,
            "\(PythonEmailReader.mismatches(python: python, builder: builder))")
    }

    @Test func pythonReadsUTF8Headers() throws {
        var builders = try Self.sampleMessages()
        for index in builders.indices { builders[index].allowsUTF8Headers = true }
        var generator = SeededGenerator(seed: 2)
        let messages = try builders.map { try $0.build(using: &generator) }
        #expect(messages[1].contains(0xC3), "raw UTF-8 expected in the headers")
        let described = try PythonEmailReader.describe(messages, utf8: true)
        for (index, (python, builder)) in zip(described, builders).enumerated() {
            let problems = PythonEmailReader.mismatches(python: python, builder: builder)
            #expect(problems.isEmpty, "message \(index): \(problems)")
        }
    }
}
