import BulkheadMail

/// The messages `bulkhead bench mail` builds and parses: a personalised newsletter of about 8 KB
/// (text and HTML, each about 4 KB, with the recipient's name in the greeting, subject and To), and a
/// 50 KB multipart/mixed message (text, HTML and a base64 attachment) for the parser.
struct MailBenchWorkload {
    let from = Mailbox(displayName: "Example Shop", localPart: "news", domain: "shop.example")
    let names = [
        "Ada Lovelace", "Grace Hopper", "Zoë Müller", "Alan Turing", "Barbara Liskov", "Edsger Dijkstra", "Katherine Johnson", "Donald Knuth",
    ]
    /// The text body split around the name: what a compiled template does at send time.
    let textPieces: (String, String)
    let htmlPieces: (String, String)
    private(set) var sampleSize = 0

    init() throws {
        let paragraph = "Our spring collection is here: garden tools, seeds and planters at 20% off until Sunday. "
        let text = String(repeating: paragraph, count: 44)
        textPieces = ("Hello ", ",\n\n" + MailBenchWorkload.wrap(text) + "\nExample Shop, 1 Market Street, Springfield\n")
        let html = String(repeating: "<p>" + paragraph + "</p>\n", count: 38)
        htmlPieces = ("<html><body><h1>Hello ", "!</h1>\n" + html + "<p>Example Shop, 1 Market Street, Springfield</p></body></html>\n")
        sampleSize = try message(for: 0).count
    }

    /// The personalised message for recipient number `index`.
    func message(for index: Int) throws -> [UInt8] {
        let name = names[index % names.count]
        var builder = MessageBuilder(from: from)
        builder.to = [.mailbox(Mailbox(displayName: name, localPart: "customer\(index)", domain: "customer.example"))]
        builder.subject = "Spring offer for \(name)"
        builder.textBody = textPieces.0 + name + textPieces.1
        builder.htmlBody = htmlPieces.0 + name + htmlPieces.1
        try builder.addHeader(name: "List-Unsubscribe", value: "<https://shop.example/u/\(index)>, <mailto:u+\(index)@shop.example>")
        try builder.addHeader(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click")
        return try builder.build()
    }

    /// A 50 KB multipart/mixed message: text, HTML and a 25 KB binary attachment.
    func fiftyKilobyteMessage() throws -> [UInt8] {
        var builder = MessageBuilder(from: from)
        builder.to = [.mailbox(Mailbox(displayName: "Ada Lovelace", localPart: "ada", domain: "customer.example"))]
        builder.subject = "Your invoice"
        builder.textBody = textPieces.0 + "Ada" + textPieces.1
        builder.htmlBody = String(repeating: htmlPieces.0 + "Ada" + htmlPieces.1, count: 2)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let attachment = (0..<25_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        builder.attachments = [Attachment(filename: "invoice.pdf", mediaType: "application/pdf", data: attachment)]
        return try builder.build()
    }

    /// Breaks `text` into lines of at most 76 characters at spaces.
    static func wrap(_ text: String) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > 76 {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
