/// Decoding of a body or parameter from its declared charset to a `String`, through ``Charset``.
enum TextDecoding {
    /// Strict decoding: refuses octets the charset cannot hold, with their offset.
    static func decode(_ bytes: [UInt8], charset: String) throws(MIMETextError) -> String {
        do {
            return try Charset.decode(bytes, charset: charset)
        } catch {
            switch error {
            case .unsupported(let name): throw MIMETextError.unsupportedCharset(name)
            case .invalidBytes(let name, let offset): throw MIMETextError.invalidText(charset: name, offset: offset)
            }
        }
    }

    /// Lossy decoding for parameter values: invalid sequences become U+FFFD; an unknown charset
    /// falls back to UTF-8, else ISO-8859-1 (``HeaderText``), so no octet is dropped.
    static func decodeLossy(_ bytes: [UInt8], charset: String) -> String {
        (try? Charset.decodeLossy(bytes, charset: charset)) ?? HeaderText.string(bytes)
    }
}
