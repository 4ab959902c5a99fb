/// Reads the messages of an mbox file (mboxo or mboxrd) one at a time, in chunks, with memory
/// bounded by the largest message (``maximumMessageBytes``), never by the file.
///
/// Framing: a message starts after a line beginning `From ` that is the file's first line (empty
/// lines before it are skipped) or follows an empty line; that separator line is not part of the
/// message, and neither is the empty line before the next separator. In the message, one `>` is
/// removed from each line matching `^>+From ` (mboxrd quoting; in an mboxo file `>From ` becomes
/// `From `, which is what its writer meant). Line ends become CRLF: a bare LF gets a CR, an
/// existing CRLF is kept, and a last line without a line end gets one; other octets (NUL, a bare
/// CR, 8-bit text) pass unchanged.
///
/// A message over ``maximumMessageBytes`` throws ``ArchiveError/messageTooLarge(number:location:limit:)``
/// and the next call goes on with the message after it (see ``ArchiveReader``). A file whose first
/// line that is not empty does not start with `From ` throws ``ArchiveError/notMbox(path:offset:)``.
///
/// ```swift
/// let reader = try MboxReader(path: "support.mbox")
/// while let message = try reader.next() {
///     let headers = try HeaderSectionParser.parse(message.bytes).headers
///     print(message.number, message.envelopeSender ?? "-", headers["Subject"] ?? "")
/// }
/// ```
public final class MboxReader: ArchiveReader {
    /// The file read.
    public let path: String
    public let maximumMessageBytes: Int

    private var lines: ArchiveLineReader
    private var line: [UInt8] = []
    /// The separator line of the next message, once read.
    private var nextSeparator: (offset: Int64, sender: String?)?
    private var started = false
    private var finished = false
    private var count = 0

    /// Opens `path` (a file, a pipe or a FIFO); nothing is read yet.
    public init(path: String, maximumMessageBytes: Int = MboxReader.defaultMaximumMessageBytes) throws(ArchiveError) {
        self.path = path
        self.maximumMessageBytes = max(maximumMessageBytes, 0)
        lines = ArchiveLineReader(file: try ArchiveFile(path: path))
    }

    /// The octets the reader holds between calls (its chunk and line buffers), for the tests of
    /// its memory bound.
    var retainedCapacity: Int { lines.chunkCapacity + line.capacity }

    public func next() throws(ArchiveError) -> ArchivedMessage? {
        guard !finished else { return nil }
        do throws(ArchiveError) {
            if !started {
                started = true
                guard try findFirstSeparator() else {
                    finished = true
                    return nil
                }
            }
            guard let separator = nextSeparator else {
                finished = true
                return nil
            }
            return try readMessage(after: separator)
        } catch {
            if case .messageTooLarge = error {} else { finished = true }
            throw error
        }
    }

    /// Skips empty lines to the first separator; false for a file with nothing else.
    private func findFirstSeparator() throws(ArchiveError) -> Bool {
        while let info = try lines.next(into: &line, limit: lineLimit) {
            if isEmpty(info) { continue }
            guard isSeparator() else { throw ArchiveError.notMbox(path: path, offset: info.offset) }
            nextSeparator = (info.offset, separatorSender())
            return true
        }
        return false
    }

    /// Reads the message after `separator`, up to the next separator (remembered) or the end.
    private func readMessage(after separator: (offset: Int64, sender: String?)) throws(ArchiveError) -> ArchivedMessage {
        count += 1
        nextSeparator = nil
        var message: [UInt8] = []
        var oversized = false
        var emptyLinePending = false

        func add(_ content: ArraySlice<UInt8>) {
            guard !oversized else { return }
            if message.count + content.count + 2 > maximumMessageBytes {
                oversized = true
                message = []
                return
            }
            message.append(contentsOf: content)
            message.append(0x0D)
            message.append(0x0A)
        }

        while let info = try lines.next(into: &line, limit: lineLimit) {
            if isEmpty(info) {
                if emptyLinePending { add([]) }
                emptyLinePending = true
                continue
            }
            if emptyLinePending {
                if isSeparator() {
                    nextSeparator = (info.offset, separatorSender())
                    break
                }
                add([])
                emptyLinePending = false
            }
            if info.length > line.count {
                oversized = true
                message = []
                continue
            }
            var content = line[...]
            if content.last == 0x0D { content = content.dropLast() }
            if isQuotedSeparator(content) { content = content.dropFirst() }
            add(content)
        }
        let location = ArchiveLocation.mboxOffset(separator.offset)
        if oversized { throw ArchiveError.messageTooLarge(number: count, location: location, limit: maximumMessageBytes) }
        return ArchivedMessage(number: count, location: location, envelopeSender: separator.sender, bytes: message)
    }

    /// Octets kept of a line: enough for any line of a message within the limit (its CR included),
    /// and for any separator line.
    private var lineLimit: Int { max(maximumMessageBytes + 1, 1024) }

    /// True when the line just read is empty (an LF or a CRLF alone).
    private func isEmpty(_ info: ArchiveLineReader.Line) -> Bool {
        info.length == 0 || (info.length == 1 && line.first == 0x0D)
    }

    private static let separatorPrefix = Array("From ".utf8)

    /// True when the line just read starts with `From `.
    private func isSeparator() -> Bool {
        line.starts(with: Self.separatorPrefix)
    }

    /// True for `>From `, `>>From `, …: a quoted line whose first `>` the writer added.
    private func isQuotedSeparator(_ content: ArraySlice<UInt8>) -> Bool {
        let quotes = content.prefix { $0 == UInt8(ascii: ">") }.count
        return quotes > 0 && content.dropFirst(quotes).starts(with: Self.separatorPrefix)
    }

    /// The address of the separator line just read: the word after `From `, without angle
    /// brackets; nil when there is none or it is `-` (no sender recorded).
    private func separatorSender() -> String? {
        let word = line.dropFirst(Self.separatorPrefix.count).prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
        var address = word[...]
        if address.first == UInt8(ascii: "<") && address.last == UInt8(ascii: ">") && address.count >= 2 {
            address = address.dropFirst().dropLast()
        }
        guard !address.isEmpty, address.elementsEqual([UInt8(ascii: "-")]) == false else { return nil }
        return String(decoding: address, as: UTF8.self)
    }
}
