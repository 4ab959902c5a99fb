/// One message read from a mailbox archive (an mbox file or a Maildir), its line ends CRLF.
///
/// ```swift
/// let reader = try MboxReader(path: "backlog.mbox")
/// while let message = try reader.next() {
///     print(message.number, message.location, message.bytes.count)
/// }
/// ```
public struct ArchivedMessage: Sendable, Hashable {
    /// Its position in the archive, from 1 (every message counts, an oversized one too).
    public let number: Int
    /// Where it is in the archive.
    public let location: ArchiveLocation
    /// For an mbox message, the address of its separator line (`From sender@example.org Mon Jan …`): the
    /// envelope sender the delivering agent recorded; nil when the line names none (`From - …`, `From <>`,
    /// `From ` alone) and for a Maildir message (whose envelope sender is its `Return-Path` field).
    public let envelopeSender: String?
    /// The message: header section and body, every line ending in CRLF.
    public let bytes: [UInt8]

    /// A message from its parts (a reader makes them; tests of their callers may too).
    public init(number: Int, location: ArchiveLocation, envelopeSender: String?, bytes: [UInt8]) {
        self.number = number
        self.location = location
        self.envelopeSender = envelopeSender
        self.bytes = bytes
    }
}

/// Where a message is in its archive.
public enum ArchiveLocation: Sendable, Hashable, CustomStringConvertible {
    /// The byte offset of its `From ` separator line in an mbox file.
    case mboxOffset(Int64)
    /// Its file in a Maildir, relative to the Maildir (`cur/1700000000.M1P2.host:2,S`).
    case maildirFile(String)

    /// `byte 1234` or `cur/…`.
    public var description: String {
        switch self {
        case .mboxOffset(let offset): "byte \(offset)"
        case .maildirFile(let path): path
        }
    }
}
