import BulkheadSMTP
import BulkheadStore
public import Foundation
import NIOPosix
import Synchronization

/// Inbound mail that no rule could file (a human reply to the bounce address, a non-standard bounce,
/// postmaster mail, a report for a message that is not ours): kept for a person in a Maildir
/// (`<data directory>/inbound/new/`, files 0600, written durably before the SMTP `250`), never dropped.
/// Any mail program reads it; the reason it was kept is its first header field,
/// `X-Bulkhead-Kept: <reason>`.
///
/// ```swift
/// let kept = KeptMailbox(directory: configuration.path("inbound"))
/// let name = try await kept.keep(bytes, reason: "not a bounce")
/// ```
public final class KeptMailbox: Sendable {
    /// The Maildir's root.
    public let directory: String
    /// The most bytes `new/` and `cur/` may hold together: a message that would go past it is
    /// refused with ``KeptMailboxFull`` (the SMTP client gets a temporary failure and retries later),
    /// so a flood cannot fill the disk.
    public let maximumBytes: Int
    /// Bytes in the mailbox as last counted, and when: recounted at most once a minute, so that mail
    /// a person deleted or moved frees room.
    private let usage = Mutex<(bytes: Int, countedAt: Date?)>((0, nil))

    public init(directory: String, maximumBytes: Int = 1 << 30) {
        self.directory = directory
        self.maximumBytes = maximumBytes
    }

    /// Writes the message (with its reason on top) to `new/`; returns the file name. Blocking I/O runs
    /// on NIO's thread pool. Throws ``KeptMailboxFull`` when the mailbox has no room for it.
    public func keep(_ message: [UInt8], reason: String, at date: Date = Date()) async throws -> String {
        let folder = directory + "/new"
        let bytes = Array("X-Bulkhead-Kept: \(Self.headerSafe(reason))\r\n".utf8) + message
        let micros = UInt64(max(0, date.timeIntervalSince1970 * 1_000_000))
        let name = "\(micros / 1_000_000).M\(micros % 1_000_000)R\(UInt64.random(in: 0..<UInt64.max)).bulkhead"
        try await NIOThreadPool.singleton.runIfActive {
            for path in [self.directory, self.directory + "/tmp", folder, self.directory + "/cur"] {
                try PrivateFiles.createDirectory(atPath: path)
            }
            try self.reserve(bytes.count, at: date)
            do {
                try DurableFile.write(bytes, name: name, in: folder, staging: self.directory + "/tmp")
                try DurableFile.syncDirectory(folder)
            } catch {
                self.usage.withLock { $0.bytes -= bytes.count }
                throw error
            }
        }
        return name
    }

    /// Counts `size` more bytes, or throws when they do not fit (recounting the folders first when the
    /// count is a minute old).
    private func reserve(_ size: Int, at date: Date) throws {
        let stale = usage.withLock { $0.countedAt.map { date.timeIntervalSince($0) >= 60 || $0 > date } ?? true }
        if stale {
            let counted = ["new", "cur"].reduce(0) { $0 + Self.folderBytes(directory + "/" + $1) }
            usage.withLock { $0 = (counted, date) }
        }
        try usage.withLock { usage in
            guard usage.bytes + size <= maximumBytes else { throw KeptMailboxFull(maximumBytes: maximumBytes) }
            usage.bytes += size
        }
    }

    private static func folderBytes(_ path: String) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return 0 }
        return names.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? NSNumber)?.intValue ?? 0
            return total + size
        }
    }

    /// One line of printable ASCII, at most 200 characters.
    static func headerSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? $0 : "?" }).prefix(200))
    }
}

/// The kept mailbox is full (`inbound.kept_max_bytes`): the message is not taken now.
public struct KeptMailboxFull: Error, Sendable, Hashable, CustomStringConvertible {
    public var maximumBytes: Int
    public var description: String { "the kept mailbox holds its maximum of \(maximumBytes) bytes (inbound.kept_max_bytes)" }
}
