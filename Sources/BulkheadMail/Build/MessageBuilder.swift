/// Builds an RFC 5322 / MIME message as wire bytes (CRLF line endings everywhere).
///
/// The part tree follows the content: a text or HTML body alone is a single part; both make a
/// `multipart/alternative`; inline images wrap the body in `multipart/related`; attachments wrap
/// everything in `multipart/mixed` (mixed > related > alternative). Each leaf gets the lightest
/// transfer encoding that is safe: 7bit, quoted-printable or base64 (lines of 76).
///
/// Every caller-supplied text that ends up in a header is checked: a CR, LF or NUL throws
/// ``MessageBuildError/forbiddenCharacter(field:offset:)`` (or ``MessageBuildError/header(_:)``).
///
/// ```swift
/// var message = MessageBuilder(from: Mailbox(displayName: "Shop", localPart: "news", domain: "shop.example"))
/// message.to = [.mailbox(Mailbox(displayName: "Zoë", localPart: "zoe", domain: "example.org"))]
/// message.subject = "Your spring offer"
/// message.textBody = "Hello Zoë,\nhere is your offer."
/// message.htmlBody = "<p>Hello Zoë,</p><p>here is your offer.</p>"
/// let bytes: [UInt8] = try message.build()
/// ```
public struct MessageBuilder: Sendable {
    /// The author (`From:`); its domain also names the generated Message-ID.
    public var from: Mailbox
    /// `To:` recipients.
    public var to: [Address] = []
    /// `Cc:` recipients.
    public var cc: [Address] = []
    /// `Reply-To:` addresses.
    public var replyTo: [Address] = []
    /// The subject, any Unicode text; written as RFC 2047 encoded-words when needed.
    public var subject: String?
    /// Extra header fields, written after the standard ones (values are unstructured text).
    public private(set) var customHeaders = HeaderList()
    /// Extra structured header fields the caller formatted itself, written after the custom ones
    /// exactly as given (folded only): see ``addFormattedHeader(name:value:)``.
    public private(set) var formattedHeaders = HeaderList()
    /// The text/plain body.
    public var textBody: String?
    /// The text/html body.
    public var htmlBody: String?
    /// Files attached to the message.
    public var attachments: [Attachment] = []
    /// Resources the HTML body refers to with `cid:` URLs.
    public var inlineImages: [InlineImage] = []
    /// The Message-ID to write; a random one at the From domain when nil.
    public var messageID: MessageID?
    /// The Date to write; the current time (UTC) when nil.
    public var date: MessageDate?
    /// Write non-ASCII header text as raw UTF-8 (RFC 6532; the relay must offer SMTPUTF8)
    /// instead of RFC 2047 encoded-words.
    public var allowsUTF8Headers = false

    /// A message from `from`, with nothing else set.
    public init(from: Mailbox) {
        self.from = from
    }

    /// Adds a custom header field; refuses bad names, CR/LF/NUL in the value, and the names the
    /// builder writes itself (From, To, Subject, Date, Message-ID, MIME-Version, Content-*, ...).
    public mutating func addHeader(name: String, value: String) throws(MessageBuildError) {
        customHeaders.append(try Self.extraField(name: name, value: value))
    }

    /// Adds a structured header field whose value the caller formatted (quoted strings, RFC 2047
    /// encoded-words in a phrase, angle brackets); it is written as given, never encoded again.
    /// Printable ASCII only (plus space and tab); the same names are refused as by ``addHeader(name:value:)``.
    ///
    /// ```swift
    /// try builder.addFormattedHeader(name: "List-Id", value: "=?UTF-8?Q?Caf=C3=A9_news?= <news.example.com>")
    /// ```
    public mutating func addFormattedHeader(name: String, value: String) throws(MessageBuildError) {
        let field = try Self.extraField(name: name, value: value)
        if let offset = value.utf8.firstIndex(where: { ($0 < 0x20 && $0 != 0x09) || $0 >= 0x7F }) {
            throw MessageBuildError.forbiddenCharacter(field: name, offset: value.utf8.distance(from: value.utf8.startIndex, to: offset))
        }
        formattedHeaders.append(field)
    }

    /// A caller's extra field: a valid name that the builder does not write itself, no CR, LF or NUL.
    private static func extraField(name: String, value: String) throws(MessageBuildError) -> HeaderField {
        let field: HeaderField
        do {
            field = try HeaderField(name: name, value: value)
        } catch {
            throw MessageBuildError.header(error)
        }
        if isReserved(name) { throw MessageBuildError.reservedHeaderName(name) }
        return field
    }

    /// Builds the message, drawing the Message-ID and boundaries from a shared, buffered
    /// source of system randomness (see ``MessageRandomGenerator``).
    public func build() throws(MessageBuildError) -> [UInt8] {
        var generator = SharedMessageRandom.prefetch()
        return try build(using: &generator)
    }

    /// Builds the message, drawing the Message-ID (when not set) and the MIME boundaries from
    /// `generator`. A deterministic generator gives byte-exact output for tests.
    public func build(using generator: inout some RandomNumberGenerator) throws(MessageBuildError) -> [UInt8] {
        let tree = try partTree(streamed: [])
        var output: [UInt8] = []
        output.reserveCapacity(tree.estimatedSize + 1024)
        try writeMessageHeaders(into: &output, using: &generator)
        let stem = try boundaryStem(for: tree, using: &generator)
        var sink = DiscardingSink()
        var noStreams: [StreamedAttachment] = []
        try tree.emit(into: &output, boundaryStem: stem, sink: &sink, streams: &noStreams, flushThreshold: Int.max)
        return output
    }

    // MARK: - Checks

    /// Throws when `text` holds a CR, LF or NUL.
    static func checkNoLineBreaks(_ text: String, field: String) throws(MessageBuildError) {
        if let offset = HeaderField.forbiddenByteOffset(in: text) {
            throw MessageBuildError.forbiddenCharacter(field: field, offset: offset)
        }
    }

    static let reservedNames: [String] = [
        "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
    ]

    static func isReserved(_ name: String) -> Bool {
        if reservedNames.contains(where: { HeaderField.namesEqual($0, name) }) { return true }
        let lower = name.lowercased()
        return lower.hasPrefix("content-")
    }

    // MARK: - Message headers

    func writeMessageHeaders(into output: inout [UInt8], using generator: inout some RandomNumberGenerator) throws(MessageBuildError) {
        output.append(contentsOf: "Date: ".utf8)
        (date ?? MessageDate.now()).write(into: &output)
        output.append(0x0D)
        output.append(0x0A)
        try field("From", try AddressHeaders.list([.mailbox(from)], field: "From", utf8Allowed: allowsUTF8Headers)).write(into: &output)
        for (name, list) in [("To", to), ("Cc", cc), ("Reply-To", replyTo)] where !list.isEmpty {
            try field(name, try AddressHeaders.list(list, field: name, utf8Allowed: allowsUTF8Headers)).write(into: &output)
        }
        if let subject {
            try MessageBuilder.checkNoLineBreaks(subject, field: "Subject")
            try field("Subject", AddressHeaders.unstructured(subject, utf8Allowed: allowsUTF8Headers)).write(into: &output)
        }
        output.append(contentsOf: "Message-ID: <".utf8)
        if let messageID {
            output.append(contentsOf: messageID.left.utf8)
            output.append(UInt8(ascii: "@"))
            output.append(contentsOf: messageID.right.utf8)
        } else {
            let domain = try AddressHeaders.asciiDomain(of: from, field: "Message-ID domain")
            try MessageID.checkDotAtom(domain, field: "Message-ID domain")
            MessageID.appendRandomLeft(using: &generator, to: &output)
            output.append(UInt8(ascii: "@"))
            output.append(contentsOf: domain.utf8)
        }
        output.append(contentsOf: ">\r\n".utf8)
        for custom in customHeaders {
            try field(custom.name, AddressHeaders.unstructured(custom.value, utf8Allowed: allowsUTF8Headers)).write(into: &output)
        }
        for formatted in formattedHeaders {
            try formatted.write(into: &output)
        }
        output.append(contentsOf: "MIME-Version: 1.0\r\n".utf8)
    }

    /// A field whose parts were checked already: the name is the builder's own or was checked by
    /// ``addHeader(name:value:)``, and every caller text in the value was checked for CR, LF and
    /// NUL before formatting (which adds none).
    private func field(_ name: String, _ value: String) -> HeaderField {
        HeaderField(uncheckedName: name, value: value)
    }

    // MARK: - Part tree

    /// The MIME structure of the body: mixed > related > alternative > leaves.
    func partTree(streamed: [StreamedAttachment]) throws(MessageBuildError) -> PartTree {
        var core: PartTree
        switch (textBody, htmlBody) {
        case (let text?, let html?):
            core = .multipart(
                subtype: "alternative", typeParameter: nil, level: UInt8(ascii: "a"),
                children: [.textLeaf(text, subtype: .plain), .textLeaf(html, subtype: .html)])
        case (nil, let html?):
            core = .textLeaf(html, subtype: .html)
        case (let text?, nil):
            core = .textLeaf(text, subtype: .plain)
        case (nil, nil):
            core = .textLeaf("", subtype: .plain)
        }
        if !inlineImages.isEmpty {
            var children = [core]
            for image in inlineImages {
                children.append(try .inlineLeaf(image))
            }
            core = .multipart(subtype: "related", typeParameter: core.mediaType, level: UInt8(ascii: "r"), children: children)
        }
        if !attachments.isEmpty || !streamed.isEmpty {
            var children = [core]
            for attachment in attachments {
                children.append(try .attachmentLeaf(attachment))
            }
            for (index, attachment) in streamed.enumerated() {
                children.append(try .streamedLeaf(attachment, index: index))
            }
            core = .multipart(subtype: "mixed", typeParameter: nil, level: UInt8(ascii: "m"), children: children)
        }
        return core
    }

    /// A boundary stem `=_` + 13 random base-32 digits that no 7bit leaf has at a line start.
    /// (Quoted-printable and base64 text can never hold `=_`.)
    func boundaryStem(for tree: PartTree, using generator: inout some RandomNumberGenerator) throws(MessageBuildError) -> [UInt8] {
        guard tree.isMultipart else { return [] }
        for _ in 0..<8 {
            var stem: [UInt8] = [UInt8(ascii: "="), UInt8(ascii: "_")]
            MessageID.appendBase32(generator.next(), count: 13, to: &stem)
            if !tree.hasDelimiterLine(prefix: stem) { return stem }
        }
        throw MessageBuildError.boundaryCollision
    }
}

/// A sink that drops everything: the in-memory build never flushes.
struct DiscardingSink: MessageByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {}
}
