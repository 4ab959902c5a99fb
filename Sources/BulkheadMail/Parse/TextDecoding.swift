/// Decoding of a body or parameter from its declared charset to a `String`.
enum TextDecoding {
    /// Strict decoding: refuses octets the charset cannot hold, with their offset.
    static func decode(_ bytes: [UInt8], charset: String) throws(MIMETextError) -> String {
        switch normalized(charset) {
        case "utf-8", "utf8", "us-ascii", "ascii":
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            throw MIMETextError.invalidText(charset: charset, offset: HeaderText.firstInvalidUTF8Offset(bytes) ?? 0)
        case "iso-8859-1", "latin1", "iso8859-1", "l1":
            return HeaderText.latin1(bytes)
        default:
            throw MIMETextError.unsupportedCharset(charset)
        }
    }

    /// Lossy decoding: what cannot be decoded is read as ISO-8859-1, so no octet is lost.
    static func decodeLossy(_ bytes: [UInt8], charset: String) -> String {
        (try? decode(bytes, charset: charset)) ?? HeaderText.string(bytes)
    }

    static func normalized(_ charset: String) -> String {
        charset.lowercased().filter { $0 != " " && $0 != "\"" }
    }
}
