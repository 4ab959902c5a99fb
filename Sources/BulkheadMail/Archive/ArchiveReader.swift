/// A reader of the messages of a mailbox archive, one at a time, in a stable order, with memory
/// bounded by ``ArchiveReader/maximumMessageBytes`` (never the whole archive).
///
/// An error about one message (``ArchiveError/messageTooLarge(number:location:limit:)``, or in a
/// Maildir a file that cannot be opened or read) skips that message and leaves the reader usable:
/// the next call goes on with the message after it, so a caller may stop there or count it and go
/// on, but can never miss it. An error about the archive itself ends the reading (the next call
/// returns nil).
///
/// ```swift
/// let reader: any ArchiveReader = try MaildirReader(path: "Maildir")
/// var oversized: [Int] = []
/// while true {
///     do {
///         guard let message = try reader.next() else { break }
///         handle(message)
///     } catch ArchiveError.messageTooLarge(let number, _, _) {
///         oversized.append(number)
///     }
/// }
/// ```
public protocol ArchiveReader: AnyObject {
    /// The largest message returned, in octets after line-end conversion.
    var maximumMessageBytes: Int { get }
    /// The next message, or nil after the last.
    func next() throws(ArchiveError) -> ArchivedMessage?
}

extension ArchiveReader {
    /// The default largest message: 64 MiB.
    public static var defaultMaximumMessageBytes: Int { 64 << 20 }
}
