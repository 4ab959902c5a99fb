#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file of an archive, read with `read(2)` into the caller's buffer; closed when dropped.
struct ArchiveFile: ~Copyable {
    let descriptor: Int32
    let path: String

    /// Opens `path` for reading.
    init(path: String) throws(ArchiveError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError.cannotOpen(path: path, reason: systemErrorText()) }
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// The size of a regular file, nil for anything else (a pipe, a device).
    func regularFileSize() -> Int64? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Reads what one `read(2)` gives into the start of `buffer` (up to its count): the number of
    /// octets read, 0 at the end of the file.
    func read(into buffer: inout [UInt8]) throws(ArchiveError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                #if canImport(Darwin)
                Darwin.read(descriptor, raw.baseAddress, raw.count)
                #elseif canImport(Musl)
                Musl.read(descriptor, raw.baseAddress, raw.count)
                #else
                Glibc.read(descriptor, raw.baseAddress, raw.count)
                #endif
            }
            if count >= 0 { return count }
            if errno != EINTR { throw ArchiveError.readFailed(path: path, reason: systemErrorText()) }
        }
    }
}

/// The text of the current `errno`.
func systemErrorText() -> String {
    String(cString: strerror(errno))
}

/// Turns every bare LF into CRLF and keeps every CRLF, across the chunks of one stream (a CR at the
/// end of one chunk and an LF at the start of the next are one CRLF). Other octets, a bare CR and
/// NUL included, pass unchanged.
struct CRLFNormalizer {
    private var previousWasCR = false

    /// Appends `bytes`, converted, to `output`.
    mutating func append(_ bytes: ArraySlice<UInt8>, to output: inout [UInt8]) {
        var runStart = bytes.startIndex
        var index = bytes.startIndex
        while let newline = bytes[index...].firstIndex(of: 0x0A) {
            let crBefore = newline > bytes.startIndex ? bytes[newline - 1] == 0x0D : previousWasCR
            if !crBefore {
                output.append(contentsOf: bytes[runStart..<newline])
                output.append(0x0D)
                runStart = newline
            }
            index = newline + 1
        }
        output.append(contentsOf: bytes[runStart...])
        if let last = bytes.last { previousWasCR = last == 0x0D }
    }
}
