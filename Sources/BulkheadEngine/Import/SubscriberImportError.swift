/// Why a subscriber import, or one row of it, was refused.
public enum SubscriberImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The header record names no column of e-mail addresses.
    case noEmailColumn(header: [String])
    /// Two header columns mean the same field (1-based column numbers).
    case duplicateColumn(String, firstAt: Int, againAt: Int)
    /// The input has no header record at all.
    case emptyFile

    public var description: String {
        switch self {
        case .noEmailColumn(let header):
            "no e-mail column in the header record \(header.prefix(20)) (expected e.g. \"email\" or \"Email Address\")"
        case .duplicateColumn(let title, let first, let again):
            "columns \(first) and \(again) both mean \"\(title)\""
        case .emptyFile:
            "the file is empty: a header record (e.g. \"email,name\") is needed"
        }
    }
}
