/// A parsed MIME entity: a whole message or one of its parts.
///
/// A leaf holds its body already transfer-decoded (base64 and quoted-printable undone); a multipart
/// holds its child parts; a `message/rfc822` part holds the embedded message.
///
/// ```swift
/// let message = try MIMEParser().parse(bytes)
/// message.contentType.mediaType      // "multipart/alternative"
/// try message.parts[0].text()        // the text/plain part, decoded to a String
/// ```
public struct MIMEEntity: Sendable {
    public var headers: HeaderList
    public var contentType: ContentType
    public var body: MIMEBody
    /// What the parser found wrong but tolerated in this entity (not in its parts), in order: at
    /// most ``MIMEParser/Limits/maxDefectsPerKind`` of each kind in the whole message.
    public var defects: [MIMEDefect]
    /// How many more defects the parser found in this entity past that limit: counted, not kept,
    /// so input with a defect on every line costs no memory per defect.
    ///
    /// ```swift
    /// let message = try MIMEParser().parse(hostileBytes)
    /// print("\(message.defects.count) defects listed, \(message.omittedDefects) more")
    /// ```
    public var omittedDefects: Int

    public init(
        headers: HeaderList, contentType: ContentType, body: MIMEBody, defects: [MIMEDefect] = [],
        omittedDefects: Int = 0
    ) {
        self.headers = headers
        self.contentType = contentType
        self.body = body
        self.defects = defects
        self.omittedDefects = omittedDefects
    }

    /// The child parts of a multipart entity; empty for any other.
    public var parts: [MIMEEntity] {
        if case .multipart(let parts, _, _) = body { return parts }
        return []
    }

    /// The message carried by a `message/rfc822` (or `message/global`) entity, if any.
    public var embeddedMessage: MIMEEntity? {
        if case .message(let inner) = body { return inner.value }
        return nil
    }
}

/// The body of a ``MIMEEntity``.
public enum MIMEBody: Sendable {
    /// A leaf body, transfer-decoded bytes (still in the part's charset).
    case leaf([UInt8])
    /// Child parts, with the text before the first boundary and after the last one.
    case multipart([MIMEEntity], preamble: [UInt8], epilogue: [UInt8])
    /// An embedded message (`message/rfc822`, `message/global`).
    case message(Boxed<MIMEEntity>)
}

/// A reference box that lets a value type contain itself (an embedded message inside a message).
public final class Boxed<Value: Sendable>: Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// A parsed `Content-Type`: media type and subtype (lowercased) and parameters (names lowercased,
/// values with RFC 2231 continuations and charsets already decoded).
public struct ContentType: Sendable, Hashable {
    public var type: String
    public var subtype: String
    public var parameters: [String: String]

    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// `type/subtype`, e.g. `multipart/report`.
    public var mediaType: String { "\(type)/\(subtype)" }

    /// The RFC 2045 default: `text/plain; charset=us-ascii`.
    public static let defaultPlain = ContentType(type: "text", subtype: "plain", parameters: ["charset": "us-ascii"])
}
