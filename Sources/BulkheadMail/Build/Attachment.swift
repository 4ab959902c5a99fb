/// A file attached to a message (`Content-Disposition: attachment`).
///
/// ```swift
/// let invoice = Attachment(filename: "Rechnung März.pdf", mediaType: "application/pdf", data: pdfBytes)
/// ```
public struct Attachment: Sendable, Hashable {
    /// The file name shown to the recipient; non-ASCII names are written with RFC 2231 encoding.
    public var filename: String
    /// The media type, `type/subtype` (e.g. `application/pdf`).
    public var mediaType: String
    /// The file's bytes, sent unchanged (7bit when they are clean CRLF text, base64 otherwise).
    public var data: [UInt8]

    /// An attachment; the name and media type are checked when the message is built.
    public init(filename: String, mediaType: String, data: [UInt8]) {
        self.filename = filename
        self.mediaType = mediaType
        self.data = data
    }
}

/// An image (or other resource) that the HTML body shows through `cid:` URLs; it goes in a
/// `multipart/related` part with the HTML.
///
/// ```swift
/// let logo = InlineImage(contentID: "logo@shop.example", mediaType: "image/png", data: pngBytes)
/// // HTML: <img src="cid:logo@shop.example">
/// ```
public struct InlineImage: Sendable, Hashable {
    /// The Content-ID without angle brackets, `left@right` (both sides `dot-atom-text`).
    public var contentID: String
    /// The media type, `type/subtype` (e.g. `image/png`).
    public var mediaType: String
    /// The resource's bytes.
    public var data: [UInt8]
    /// An optional file name for the inline disposition.
    public var filename: String?

    /// An inline resource; the Content-ID and media type are checked when the message is built.
    public init(contentID: String, mediaType: String, data: [UInt8], filename: String? = nil) {
        self.contentID = contentID
        self.mediaType = mediaType
        self.data = data
        self.filename = filename
    }
}

/// Header values for leaf parts: media types, dispositions with RFC 2231 file names, Content-IDs.
enum PartHeaderValues {
    /// Checks `type/subtype` (RFC 2045 tokens) and returns it lowercased.
    static func mediaType(_ text: String) throws(MessageBuildError) -> String {
        try MessageBuilder.checkNoLineBreaks(text, field: "media type")
        var slashes = 0
        var sawSlash = false
        var typeLength = 0
        var subtypeLength = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "/") {
                slashes += 1
                sawSlash = true
            } else if isTokenByte(byte) {
                if sawSlash { subtypeLength += 1 } else { typeLength += 1 }
            } else {
                throw MessageBuildError.invalidMediaType(text)
            }
        }
        guard slashes == 1, typeLength > 0, subtypeLength > 0 else { throw MessageBuildError.invalidMediaType(text) }
        return text.lowercased()
    }

    /// RFC 2045 token: printable ASCII except space and tspecials.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte > 0x20 && byte < 0x7F else { return false }
        return !"()<>@,;:\\\"/[]?=".utf8.contains(byte)
    }

    /// `attachment; filename="a.pdf"`, or with `filename*=utf-8''…` (RFC 2231) when the name is not
    /// plain printable ASCII or is long, split into `filename*0*`, `filename*1*`, … sections.
    static func disposition(_ kind: String, filename: String?) throws(MessageBuildError) -> String {
        guard let filename else { return kind }
        try MessageBuilder.checkNoLineBreaks(filename, field: "attachment filename")
        var value = kind
        let bytes = filename.utf8
        let plain = bytes.count <= 60 && bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if plain {
            value += "; filename=\""
            for byte in bytes {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { value += "\\" }
                value.unicodeScalars.append(Unicode.Scalar(byte))
            }
            value += "\""
            return value
        }
        // Sections end between characters, never inside one: readers such as Python's email
        // package decode each section's charset on its own.
        var sections: [String] = []
        var current = "utf-8''"
        for scalar in filename.unicodeScalars {
            var piece = ""
            for byte in String(scalar).utf8 {
                if isAttributeChar(byte) {
                    piece.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    piece.unicodeScalars.append("%")
                    piece.unicodeScalars.append(Unicode.Scalar(QuotedPrintableEncoder.hexDigit(byte >> 4)))
                    piece.unicodeScalars.append(Unicode.Scalar(QuotedPrintableEncoder.hexDigit(byte & 0x0F)))
                }
            }
            if current.utf8.count + piece.utf8.count > 60 {
                sections.append(current)
                current = ""
            }
            current += piece
        }
        sections.append(current)
        if sections.count == 1 {
            value += "; filename*=" + sections[0]
        } else {
            for (index, section) in sections.enumerated() {
                value += "; filename*\(index)*=" + section
            }
        }
        return value
    }

    /// RFC 2231 `attribute-char`: a token character other than `*`, `'` and `%`.
    static func isAttributeChar(_ byte: UInt8) -> Bool {
        isTokenByte(byte) && byte != UInt8(ascii: "*") && byte != UInt8(ascii: "'") && byte != UInt8(ascii: "%")
    }

    /// Checks a Content-ID `left@right` and returns `<left@right>`.
    static func contentID(_ text: String) throws(MessageBuildError) -> String {
        try MessageBuilder.checkNoLineBreaks(text, field: "Content-ID")
        let pieces = text.split(separator: "@", omittingEmptySubsequences: false)
        guard pieces.count == 2 else { throw MessageBuildError.invalidIdentifier(field: "Content-ID", value: text) }
        do {
            _ = try MessageID(left: String(pieces[0]), right: String(pieces[1]))
        } catch {
            throw MessageBuildError.invalidIdentifier(field: "Content-ID", value: text)
        }
        return "<" + text + ">"
    }
}
