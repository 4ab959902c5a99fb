/// Reads a file line by line in chunks of ``chunkSize`` octets, keeping at most a caller-given
/// number of octets of each line: memory is one chunk plus the longest line kept, whatever the
/// file's size.
struct ArchiveLineReader: ~Copyable {
    /// The octets asked of each `read(2)`.
    static let chunkSize = 64 << 10

    /// Where one line is, and whether all of it was kept.
    struct Line {
        /// The byte offset of its first octet in the file.
        var offset: Int64
        /// Its length without the LF (a CR before it counts).
        var length: Int
    }

    private let file: ArchiveFile
    private var chunk: [UInt8]
    private var start = 0
    private var end = 0
    /// The file offset of `chunk[start]`.
    private var offset: Int64 = 0

    init(file: consuming ArchiveFile) {
        self.file = file
        chunk = [UInt8](repeating: 0, count: Self.chunkSize)
    }

    /// The octets the reader itself holds (its chunk), for the tests of its memory bound.
    var chunkCapacity: Int { chunk.capacity }

    /// Reads the next line into `line` (emptied first) without its LF, keeping its first `limit`
    /// octets (the rest is read and dropped; ``Line/length`` tells the whole length). Nil at the
    /// end of the file. A last line without an LF is a line.
    mutating func next(into line: inout [UInt8], limit: Int) throws(ArchiveError) -> Line? {
        line.removeAll(keepingCapacity: true)
        let lineOffset = offset
        var length = 0
        while true {
            if start == end {
                let count = try file.read(into: &chunk)
                if count == 0 { return length > 0 ? Line(offset: lineOffset, length: length) : nil }
                start = 0
                end = count
            }
            let newline = chunk.withUnsafeBufferPointer { ByteSearch.first(0x0A, in: $0, from: start, to: end) }
            let segmentEnd = newline ?? end
            let kept = min(segmentEnd - start, max(limit - line.count, 0))
            line.append(contentsOf: chunk[start..<start + kept])
            length += segmentEnd - start
            let consumed = (newline.map { $0 + 1 } ?? end) - start
            offset += Int64(consumed)
            start += consumed
            if newline != nil { return Line(offset: lineOffset, length: length) }
        }
    }
}
