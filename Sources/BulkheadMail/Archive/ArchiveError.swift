/// Why an archive (mbox file or Maildir) or one of its messages cannot be read.
///
/// ```swift
/// ArchiveError.notMbox(path: "notes.txt", offset: 0).description
/// // notes.txt is not an mbox file: the line at byte 0 does not start with "From "
/// ```
public enum ArchiveError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory cannot be opened (`reason` is the system's).
    case cannotOpen(path: String, reason: String)
    /// Reading failed midway (`reason` is the system's).
    case readFailed(path: String, reason: String)
    /// The file is not an mbox: its first line that is not empty, at this byte offset, does not start with `From `.
    case notMbox(path: String, offset: Int64)
    /// The directory is not a Maildir (it is missing, or has no `cur/` or `new/`).
    case notMaildir(path: String, reason: String)
    /// Message `number` (from 1), at `location`, is longer than `limit` octets. It was skipped; the
    /// reader goes on with the next message.
    case messageTooLarge(number: Int, location: ArchiveLocation, limit: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .readFailed(let path, let reason): "cannot read \(path): \(reason)"
        case .notMbox(let path, let offset): "\(path) is not an mbox file: the line at byte \(offset) does not start with \"From \""
        case .notMaildir(let path, let reason): "\(path) is not a Maildir: \(reason)"
        case .messageTooLarge(let number, let location, let limit):
            "message \(number) (\(location)) is larger than \(limit) bytes; it was skipped"
        }
    }
}
