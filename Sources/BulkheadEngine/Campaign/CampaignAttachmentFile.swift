public import BulkheadMail
public import BulkheadStore
import Crypto
import Foundation

/// Why a campaign's attachment cannot be used.
public enum CampaignAttachmentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file is gone.
    case missing(path: String)
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// The file's content is not the content the campaign was created with.
    case changed(path: String, expected: String, found: String)

    /// A readable explanation naming the file.
    public var description: String {
        switch self {
        case .missing(let path):
            "attachment \(path) no longer exists (it was there when the campaign was created); nothing was sent"
        case .unreadable(let path, let reason):
            "attachment \(path) cannot be read: \(reason)"
        case .changed(let path, let expected, let found):
            "attachment \(path) changed since the campaign was created (SHA-256 \(expected), now \(found)); nothing was sent"
        }
    }
}

/// Attachment files of a campaign: their digest is taken when the campaign is created, and checked
/// whenever the campaign's messages are built, so every recipient gets the file that was approved.
///
/// ```swift
/// let reference = try CampaignAttachmentFile.reference(forFile: "/srv/mail/price-list.pdf")
/// // … later, at send time:
/// let attachment = try CampaignAttachmentFile.load(reference)   // throws .changed if the file was edited
/// ```
public enum CampaignAttachmentFile {
    /// A reference to the file at `path` (made absolute) with the SHA-256 of its content now.
    public static func reference(forFile path: String) throws(CampaignAttachmentError) -> AttachmentReference {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return AttachmentReference(path: absolute, sha256: digest(try contents(absolute)))
    }

    /// The attachment's content, checked against the digest taken at creation (references without a
    /// digest, from older versions, are read as they are).
    public static func load(_ reference: AttachmentReference) throws(CampaignAttachmentError) -> Attachment {
        let data = try contents(reference.path)
        if let expected = reference.sha256 {
            let found = digest(data)
            guard found == expected.lowercased() else { throw .changed(path: reference.path, expected: expected, found: found) }
        }
        let path = reference.path
        return Attachment(filename: (path as NSString).lastPathComponent, mediaType: mediaType(forFile: path), data: Array(data))
    }

    /// The lowercase hex SHA-256 of `data`.
    static func digest(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    private static func contents(_ path: String) throws(CampaignAttachmentError) -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// The media type for a file name's extension (application/octet-stream when unknown).
    static func mediaType(forFile path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "pdf": "application/pdf"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "txt": "text/plain"
        case "csv": "text/csv"
        case "html", "htm": "text/html"
        case "zip": "application/zip"
        case "ics": "text/calendar"
        default: "application/octet-stream"
        }
    }
}
