import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole input named on the command line: a regular file, a pipe or FIFO, a process
/// substitution (`<(…)`, a `/dev/fd/N` path), or `-` for standard input. Read to its end, never by
/// the size the file system reports (a pipe has none).
///
/// ```swift
/// let template = try InputFile.text("-")          // standard input
/// let html = try InputFile.text("/dev/fd/63")     // bulkhead campaign create --html <(render-html)
/// ```
enum InputFile {
    /// The name that means standard input.
    static let standardInput = "-"

    /// The bytes of `path`, or a message that says why not.
    static func data(_ path: String) throws(InputFileError) -> Data {
        let handle: FileHandle
        if path == standardInput {
            handle = FileHandle.standardInput
        } else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw InputFileError(path: path, reason: error.localizedDescription)
        }
    }

    /// The UTF-8 text of `path`.
    static func text(_ path: String) throws(InputFileError) -> String {
        guard let text = String(data: try data(path), encoding: .utf8) else {
            throw InputFileError(path: path, reason: "not UTF-8 text")
        }
        return text
    }
}

/// Why an input cannot be read.
struct InputFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String

    var description: String {
        "cannot read \(path == InputFile.standardInput ? "standard input" : path): \(reason)"
    }
}
