#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the messages of a Maildir: the regular files of `cur/` and `new/` (never `tmp/`, where
/// deliveries are still being written, nor names starting with a dot), sorted by file name (Maildir
/// names start with the delivery time, so this is about the order of arrival; a name in both
/// folders comes from `cur/` first), one file at a time. Line ends become CRLF as in ``MboxReader``.
///
/// The folder is listed once, when the reader is made. A file over ``maximumMessageBytes``, or one
/// that cannot be read (a mail client may have moved it since), throws and is skipped: the next
/// call goes on with the next file (see ``ArchiveReader``).
///
/// ```swift
/// let reader = try MaildirReader(path: "/var/mail/support")
/// print(reader.files.count, "messages")
/// while let message = try reader.next() {
///     print(message.location)   // cur/1700000000.M1P2.host:2,S
/// }
/// ```
public final class MaildirReader: ArchiveReader {
    /// The Maildir read.
    public let path: String
    public let maximumMessageBytes: Int
    /// The files to read, relative to ``path`` (`cur/…`, `new/…`), in reading order.
    public let files: [String]
    private var index = 0
    private var chunk: [UInt8] = []

    /// Lists `path/cur` and `path/new`; throws ``ArchiveError/notMaildir(path:reason:)`` when the
    /// directory or one of them is missing.
    public init(path: String, maximumMessageBytes: Int = MaildirReader.defaultMaximumMessageBytes) throws(ArchiveError) {
        self.path = path
        self.maximumMessageBytes = max(maximumMessageBytes, 0)
        var info = stat()
        guard stat(path, &info) == 0 else { throw ArchiveError.notMaildir(path: path, reason: "no such directory") }
        guard Self.isDirectory(path) else { throw ArchiveError.notMaildir(path: path, reason: "not a directory") }
        var entries: [(name: String, folder: String)] = []
        for folder in ["cur", "new"] {
            let directory = path + "/" + folder
            guard Self.isDirectory(directory) else { throw ArchiveError.notMaildir(path: path, reason: "it has no \(folder)/ folder") }
            for name in try Self.regularFiles(in: directory) { entries.append((name, folder)) }
        }
        entries.sort { a, b in
            a.name == b.name ? a.folder < b.folder : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        files = entries.map { $0.folder + "/" + $0.name }
    }

    public func next() throws(ArchiveError) -> ArchivedMessage? {
        guard index < files.count else { return nil }
        let relative = files[index]
        index += 1
        let location = ArchiveLocation.maildirFile(relative)
        let file = try ArchiveFile(path: path + "/" + relative)
        if let size = file.regularFileSize(), size > Int64(maximumMessageBytes) {
            throw ArchiveError.messageTooLarge(number: index, location: location, limit: maximumMessageBytes)
        }
        if chunk.isEmpty { chunk = [UInt8](repeating: 0, count: ArchiveLineReader.chunkSize) }
        var message: [UInt8] = []
        var normalizer = CRLFNormalizer()
        while true {
            let count = try file.read(into: &chunk)
            if count == 0 { break }
            normalizer.append(chunk[0..<count], to: &message)
            if message.count > maximumMessageBytes {
                throw ArchiveError.messageTooLarge(number: index, location: location, limit: maximumMessageBytes)
            }
        }
        if let last = message.last, last != 0x0A {
            message.append(0x0D)
            message.append(0x0A)
            if message.count > maximumMessageBytes {
                throw ArchiveError.messageTooLarge(number: index, location: location, limit: maximumMessageBytes)
            }
        }
        return ArchivedMessage(number: index, location: location, envelopeSender: nil, bytes: message)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names of the regular files in `directory` (symbolic links followed), dot files left out.
    private static func regularFiles(in directory: String) throws(ArchiveError) -> [String] {
        guard let handle = opendir(directory) else { throw ArchiveError.cannotOpen(path: directory, reason: systemErrorText()) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            names.append(name)
        }
        return names
    }
}
