/// A campaign's attachment: the file it is read from at send time and, when the campaign was created
/// by this version, the SHA-256 of the file's content then, so a file that changed or vanished since is
/// refused instead of sent.
///
/// Stored inside the campaign's JSON `attachments` array: as a plain string (the path) when there is no
/// digest, which is how older versions stored every attachment, else as `{"path": …, "sha256": …}`.
///
/// ```swift
/// let reference = AttachmentReference(path: "/srv/mail/price-list.pdf", sha256: "9f86d081…")
/// let legacy: AttachmentReference = "/srv/mail/price-list.pdf"   // no digest: not checked
/// ```
public struct AttachmentReference: Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The file (an absolute path).
    public var path: String
    /// The SHA-256 of the file's content when the campaign was created, lowercase hex; nil for
    /// campaigns stored before digests were kept.
    public var sha256: String?

    /// Describes an attachment.
    public init(path: String, sha256: String? = nil) {
        self.path = path
        self.sha256 = sha256
    }

    /// An attachment without a digest.
    public init(stringLiteral path: String) {
        self.init(path: path)
    }

    /// The path.
    public var description: String { path }

    enum CodingKeys: String, CodingKey { case path, sha256 }

    /// Reads either form: a string (the path) or an object with `path` and `sha256`.
    public init(from decoder: any Decoder) throws {
        if let path = try? decoder.singleValueContainer().decode(String.self) {
            self.init(path: path)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            path: try container.decode(String.self, forKey: .path),
            sha256: try container.decodeIfPresent(String.self, forKey: .sha256))
    }

    /// Writes a string when there is no digest, else an object.
    public func encode(to encoder: any Encoder) throws {
        guard let sha256 else {
            var container = encoder.singleValueContainer()
            try container.encode(path)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(sha256, forKey: .sha256)
    }
}
