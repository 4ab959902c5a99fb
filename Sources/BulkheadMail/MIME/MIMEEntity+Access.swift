/// Why ``MIMEEntity/text()`` could not give a string.
public enum MIMETextError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The entity is a multipart or an embedded message, not a leaf.
    case notALeaf(mediaType: String)
    /// The body holds octets its charset cannot hold; `offset` is the first one in the decoded body.
    case invalidText(charset: String, offset: Int)
    /// The `charset` parameter names a charset this library does not know.
    case unsupportedCharset(String)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .notALeaf(let mediaType): return "\(mediaType) entity has no text body"
        case .invalidText(let charset, let offset): return "body is not valid \(charset) at offset \(offset)"
        case .unsupportedCharset(let name): return "unsupported charset \"\(name)\""
        }
    }
}

/// A parsed `Content-Disposition` (RFC 2183): the disposition (lowercased) and its parameters
/// (names lowercased, RFC 2231 values decoded).
public struct ContentDisposition: Sendable, Hashable {
    /// `inline`, `attachment`, ...
    public var type: String
    /// Parameter values by lowercased name (`filename`, `size`, ...).
    public var parameters: [String: String]

    /// A disposition from its parts; `type` should be lowercased.
    public init(type: String, parameters: [String: String] = [:]) {
        self.type = type
        self.parameters = parameters
    }
}

extension ContentType {
    /// Parses a `Content-Type` value such as `text/plain; charset="utf-8" (comment)`, with RFC 2231
    /// parameters. Nil when it has no valid `type/subtype`.
    public init?(parsing value: String) {
        guard let parsed = ParameterizedValue.parse(value), let subtype = parsed.subtype else { return nil }
        self.init(type: parsed.main, subtype: subtype, parameters: parsed.parameters)
    }
}

extension ContentDisposition {
    /// Parses a `Content-Disposition` value such as `attachment; filename*=utf-8''%E2%82%AC.pdf`.
    /// Nil when it has no valid disposition token.
    public init?(parsing value: String) {
        guard let parsed = ParameterizedValue.parse(value), parsed.subtype == nil else { return nil }
        self.init(type: parsed.main, parameters: parsed.parameters)
    }
}

extension MIMEEntity {
    /// The transfer-decoded body of a leaf (still in its charset); nil for a multipart or an
    /// embedded message.
    public var decodedBody: [UInt8]? {
        if case .leaf(let bytes) = body { return bytes }
        return nil
    }

    /// The body of a leaf decoded with its `charset` parameter (US-ASCII when absent, as RFC 2045
    /// says). Throws when the body is not valid in that charset, with the offset of the first bad octet.
    public func text() throws(MIMETextError) -> String {
        guard let bytes = decodedBody else { throw MIMETextError.notALeaf(mediaType: contentType.mediaType) }
        return try TextDecoding.decode(bytes, charset: contentType.parameters["charset"] ?? "us-ascii")
    }

    /// The value of the first header field called `name` with its RFC 2047 encoded-words decoded
    /// (``EncodedWords/decode(_:)``), or nil when there is no such field.
    ///
    /// ```swift
    /// message.headers["Subject"]          // "=?UTF-8?Q?Caf=C3=A9?= offer"
    /// message.decodedHeader("subject")    // "Café offer"
    /// ```
    public func decodedHeader(_ name: String) -> String? {
        headers[name].map(EncodedWords.decode)
    }

    /// The parsed `Content-Disposition`, if the entity has a valid one.
    public var contentDisposition: ContentDisposition? {
        headers["Content-Disposition"].flatMap(ContentDisposition.init(parsing:))
    }

    /// The file name: the `filename` parameter of `Content-Disposition`, else the `name` parameter of
    /// `Content-Type`, with RFC 2231 encoding undone and RFC 2047 encoded-words (which Outlook and
    /// Gmail put in quoted file names) decoded.
    public var filename: String? {
        (contentDisposition?.parameters["filename"] ?? contentType.parameters["name"]).map(EncodedWords.decode)
    }

    /// This entity and all below it (parts, embedded messages), depth-first in document order.
    /// Iterative, so any depth is safe.
    public var allEntities: [MIMEEntity] {
        var result: [MIMEEntity] = []
        var stack: [MIMEEntity] = [self]
        while let entity = stack.popLast() {
            result.append(entity)
            switch entity.body {
            case .leaf: break
            case .multipart(let parts, _, _): stack.append(contentsOf: parts.reversed())
            case .message(let inner): stack.append(inner.value)
            }
        }
        return result
    }

    /// The leaves of ``allEntities``, in document order.
    public var allLeaves: [MIMEEntity] {
        allEntities.filter { $0.decodedBody != nil }
    }

    /// The first entity (depth-first, this one included) whose `type/subtype` is `mediaType`
    /// (compared case-insensitively).
    public func firstEntity(mediaType: String) -> MIMEEntity? {
        let wanted = mediaType.lowercased()
        return allEntities.first { $0.contentType.mediaType == wanted }
    }
}
