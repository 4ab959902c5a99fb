public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a private file or directory could not be created.
public struct PrivateFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path.
    public var path: String
    /// What was being done (`create`, `open`, `chmod`…).
    public var operation: String
    /// The system's reason.
    public var reason: String

    /// Describes a failure.
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// A readable explanation.
    public var description: String { "cannot \(operation) \(path): \(reason)" }
}

/// Files and directories that hold personal data (the database, captured mail, exports): files are
/// created with mode 0600 and directories with 0700, set explicitly so no umask widens (or
/// narrows) them. Existing files and directories other than export targets keep the mode they have.
///
/// ```swift
/// try PrivateFiles.createDirectory(atPath: "/var/lib/bulkhead")          // drwx------
/// let handle = try PrivateFiles.openForWriting(atPath: "news.csv")      // -rw-------, truncated
/// ```
public enum PrivateFiles {
    /// The mode of a file holding personal data: read and write by the owner only.
    public static let fileMode: mode_t = 0o600
    /// The mode of a directory holding personal data: the owner only.
    public static let directoryMode: mode_t = 0o700

    /// Creates the directory `path` with mode 0700 (missing parents with the default mode). A
    /// directory that already exists is left as it is.
    public static func createDirectory(atPath path: String) throws(PrivateFileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        // Split by hand: NSString's deletingLastPathComponent traps on a one-character relative path
        // ("d") in swift-corelibs-foundation. Trailing slashes do not name another directory.
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let parent = trimmed.lastIndex(of: "/").map { String(trimmed[..<$0]) } ?? ""
        if !parent.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw PrivateFileError(path: parent, operation: "create the directory", reason: error.localizedDescription)
            }
        }
        if mkdir(path, directoryMode) != 0 {
            let code = errno
            if code == EEXIST { return }  // created meanwhile by another process
            throw PrivateFileError(path: path, operation: "create the directory", reason: describe(code))
        }
        // mkdir's mode passed through the umask: set it exactly.
        if chmod(path, directoryMode) != 0 {
            throw PrivateFileError(path: path, operation: "set the mode of", reason: describe(errno))
        }
    }

    /// Creates an empty file of mode 0600 at `path` unless a file is already there (which is left as
    /// it is). SQLite gives a database's `-wal` and `-shm` files the mode of the database file, so
    /// creating the database this way keeps all three private.
    public static func createFileIfMissing(atPath path: String) throws(PrivateFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd < 0 {
            let code = errno
            if code == EEXIST { return }
            throw PrivateFileError(path: path, operation: "create", reason: describe(code))
        }
        defer { close(fd) }
        if fchmod(fd, fileMode) != 0 {
            throw PrivateFileError(path: path, operation: "set the mode of", reason: describe(errno))
        }
    }

    /// Opens `path` for writing, truncated, creating it if needed. A regular file (new or existing)
    /// gets mode 0600; anything else (a pipe, `/dev/stdout`) is written as it is.
    public static func openForWriting(atPath path: String) throws(PrivateFileError) -> FileHandle {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw PrivateFileError(path: path, operation: "create", reason: describe(errno)) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & 0o170000 == 0o100000, fchmod(fd, fileMode) != 0 {  // S_IFREG
            let code = errno
            close(fd)
            throw PrivateFileError(path: path, operation: "set the mode of", reason: describe(code))
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
