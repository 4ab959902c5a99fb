public import BulkheadStore
public import Foundation
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a capture operation failed.
public enum CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A file system operation failed.
    case io(path: String, operation: String, reason: String)
    /// The id is not one this store produces (a guard against path traversal).
    case invalidID(String)
    /// No captured message with this id.
    case notFound(String)
    /// A sidecar file could not be decoded.
    case corruptSidecar(id: String, reason: String)

    /// A readable explanation.
    public var description: String {
        switch self {
        case .io(let path, let operation, let reason): "\(operation) \(path): \(reason)"
        case .invalidID(let id): "invalid capture id \"\(id)\""
        case .notFound(let id): "no captured message \(id)"
        case .corruptSidecar(let id, let reason): "capture \(id): unreadable sidecar: \(reason)"
        }
    }
}

/// What the capture store keeps about one message (the JSON sidecar next to `<id>.eml`).
public struct CapturedMessageInfo: Sendable, Hashable, Codable {
    /// The message id in the store (sorts chronologically).
    public var id: String
    /// The envelope's return path.
    public var mailFrom: String
    /// The envelope's recipient.
    public var recipient: String
    /// Whether the envelope needed SMTPUTF8.
    public var requiresSMTPUTF8: Bool
    /// When it was captured.
    public var capturedAt: Date
    /// Size of the message in octets.
    public var size: Int
}

/// A captured message with its bytes.
public struct CapturedMessage: Sendable, Hashable {
    /// Envelope and time.
    public var info: CapturedMessageInfo
    /// The message exactly as handed to the transport.
    public var bytes: [UInt8]
}

/// One page of a capture listing, newest first.
public struct CapturePage: Sendable, Hashable {
    /// The messages on this page.
    public var items: [CapturedMessageInfo]
    /// How many messages the store holds in all.
    public var total: Int
}

/// The embedded default transport: nothing leaves the machine. Each message is written durably
/// (temporary file, fsync, rename, directory fsync) as `<id>.eml` plus a JSON sidecar `<id>.json`
/// in a capture directory, like a development mail catcher. `sent` is returned only after both
/// files are durable. Messages with bare CR/LF are refused exactly as the SMTP transport refuses
/// them, so the capture shows what a real send would do.
///
/// ```swift
/// let transport = try CaptureTransport(directory: "/var/lib/bulkhead/capture")
/// let outcome = await transport.deliver(envelope, message)   // .sent(.note("captured as …"))
/// let page = try CaptureMailbox(directory: "/var/lib/bulkhead/capture").list(offset: 0, limit: 20)
/// ```
public struct CaptureTransport: MessageTransport {
    /// The capture directory.
    public let directory: String
    /// The clock that dates each captured message.
    public let clock: any BulkheadClock
    /// The ids' last eight hex digits: a counter from a random start, so ids of the same microsecond
    /// never collide within a process (a manual clock dates a whole wave alike; a random suffix lost
    /// about one message in 100,000 that way) and rarely across processes.
    private static let sequence = Atomic<UInt32>(UInt32.random(in: .min ... .max))

    /// Uses `directory`, creating it with mode 0700 if needed (messages are written 0600: they hold
    /// personal data).
    public init(directory: String, clock: any BulkheadClock = SystemClock()) throws(CaptureError) {
        self.directory = directory
        self.clock = clock
        do {
            try PrivateFiles.createDirectory(atPath: directory)
        } catch {
            throw .io(path: error.path, operation: error.operation, reason: error.reason)
        }
    }

    /// Captures the message; `sent` once it is durable, `failed` for a message SMTP would refuse,
    /// `deferred` when the disk write fails.
    public func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
        do {
            _ = try SMTPMessageData(message: message)
        } catch {
            return .failed(.note(error.description), hardBounce: false)
        }
        // The writes and fsyncs block: they run on NIO's thread pool, never on the thread of a task
        // (which may be an event loop, see ConcurrencyExecutor).
        do {
            let date = clock.date
            let id = try await NIOThreadPool.singleton.runIfActive { try self.capture(envelope, message, at: date) }
            return .sent(.note("captured as \(id)"))
        } catch {
            return .deferred(.note("capture failed: \(error)"))
        }
    }

    /// Writes the message and its sidecar durably and returns the new id.
    public func capture(_ envelope: Envelope, _ message: [UInt8], at date: Date = Date()) throws(CaptureError) -> String {
        let micros = UInt64(max(0, date.timeIntervalSince1970 * 1_000_000))
        let id =
            String(micros).leftPadded(to: 17) + "-" + String(Self.sequence.wrappingAdd(1, ordering: .relaxed).newValue, radix: 16).leftPadded(to: 8)
        let info = CapturedMessageInfo(
            id: id, mailFrom: envelope.mailFrom, recipient: envelope.recipient,
            requiresSMTPUTF8: envelope.requiresSMTPUTF8, capturedAt: date, size: message.count
        )
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let sidecar: [UInt8]
        do {
            sidecar = Array(try encoder.encode(info))
        } catch {
            throw .corruptSidecar(id: id, reason: "\(error)")
        }
        try DurableFile.write(message, name: id + ".eml", in: directory)
        try DurableFile.write(sidecar, name: id + ".json", in: directory)
        try DurableFile.syncDirectory(directory)
        return id
    }
}

/// Reads the capture directory back: listings newest first, paged, and single messages.
///
/// ```swift
/// let mailbox = CaptureMailbox(directory: captureFolder)
/// for info in try mailbox.list(offset: 0, limit: 20).items { print(info.id, info.recipient) }
/// let message = try mailbox.read(id: someID)
/// ```
public struct CaptureMailbox: Sendable {
    /// The capture directory.
    public let directory: String

    /// A reader for `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// Up to `limit` messages starting at `offset`, newest first.
    public func list(offset: Int = 0, limit: Int = 50) throws(CaptureError) -> CapturePage {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .io(path: directory, operation: "list", reason: "\(error)")
        }
        let ids = names.compactMap { name -> String? in
            guard name.hasSuffix(".json"), !name.hasPrefix(".") else { return nil }
            let id = String(name.dropLast(5))
            return Self.isValidID(id) ? id : nil
        }.sorted(by: >)
        let start = min(max(0, offset), ids.count)
        let end = min(ids.count, start + max(0, limit))
        var items: [CapturedMessageInfo] = []
        for id in ids[start..<end] { items.append(try info(id: id)) }
        return CapturePage(items: items, total: ids.count)
    }

    /// The message `id` with its envelope.
    public func read(id: String) throws(CaptureError) -> CapturedMessage {
        let info = try info(id: id)
        let bytes = try DurableFile.read(directory + "/" + id + ".eml", id: id)
        return CapturedMessage(info: info, bytes: bytes)
    }

    private func info(id: String) throws(CaptureError) -> CapturedMessageInfo {
        guard Self.isValidID(id) else { throw .invalidID(id) }
        let bytes = try DurableFile.read(directory + "/" + id + ".json", id: id)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(CapturedMessageInfo.self, from: Data(bytes))
        } catch {
            throw .corruptSidecar(id: id, reason: "\(error)")
        }
    }

    /// Ids are 17 digits, a dash and 8 hex digits.
    static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count == 26, bytes[17] == UInt8(ascii: "-") else { return false }
        return bytes[..<17].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            && bytes[18...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Crash-safe file writes: temporary file (mode 0600), fsync, rename; then ``syncDirectory(_:)``.
/// Blocking: call it from a thread pool, never from a task on an event loop.
///
/// ```swift
/// try await NIOThreadPool.singleton.runIfActive {
///     try DurableFile.write(bytes, name: "1.eml", in: folder)
///     try DurableFile.syncDirectory(folder)
/// }
/// ```
public enum DurableFile {
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

    private static func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }

    private static func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }

    /// Writes `bytes` to `directory/name` durably (a crash leaves the old state or the whole file).
    /// The temporary file is made in `staging` (same file system; a Maildir's `tmp/`), else in
    /// `directory` as `.tmp-NAME`.
    public static func write(_ bytes: [UInt8], name: String, in directory: String, staging: String? = nil) throws(CaptureError) {
        let final = directory + "/" + name
        let temporary = (staging ?? directory) + "/.tmp-" + name
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PrivateFiles.fileMode)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", reason: DurableFile.describe(errno)) }
        if fchmod(fd, PrivateFiles.fileMode) != 0 {  // exactly 0600, whatever the umask
            let code = errno
            close(fd)
            unlink(temporary)
            throw .io(path: temporary, operation: "chmod", reason: DurableFile.describe(code))
        }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                posixWrite(fd, raw.baseAddress! + written, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw .io(path: temporary, operation: "write", reason: DurableFile.describe(code))
            }
            written += result
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw .io(path: temporary, operation: "fsync", reason: DurableFile.describe(code))
        }
        close(fd)
        if rename(temporary, final) != 0 {
            let code = errno
            unlink(temporary)
            throw .io(path: final, operation: "rename", reason: DurableFile.describe(code))
        }
    }

    /// Makes the directory's entries (a rename into it) durable.
    public static func syncDirectory(_ directory: String) throws(CaptureError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: directory, operation: "open", reason: DurableFile.describe(errno)) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .io(path: directory, operation: "fsync", reason: DurableFile.describe(errno)) }
    }

    static func read(_ path: String, id: String) throws(CaptureError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound(id) }
            throw .io(path: path, operation: "open", reason: DurableFile.describe(errno))
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", reason: DurableFile.describe(errno))
            }
            if count == 0 { return result }
            result += chunk[..<count]
        }
    }
}
