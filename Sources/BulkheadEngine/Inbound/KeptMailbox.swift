import BulkheadSMTP
import BulkheadStore
public import Foundation
import NIOPosix

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
public struct KeptMailbox: Sendable {
    /// The Maildir's root.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Writes the message (with its reason on top) to `new/`; returns the file name. Blocking I/O runs
    /// on NIO's thread pool.
    public func keep(_ message: [UInt8], reason: String, at date: Date = Date()) async throws -> String {
        let folder = directory + "/new"
        let header = Array("X-Bulkhead-Kept: \(Self.headerSafe(reason))\r\n".utf8)
        let micros = UInt64(max(0, date.timeIntervalSince1970 * 1_000_000))
        let name = "\(micros / 1_000_000).M\(micros % 1_000_000)R\(UInt64.random(in: 0..<UInt64.max)).bulkhead"
        try await NIOThreadPool.singleton.runIfActive {
            for path in [directory, directory + "/tmp", folder, directory + "/cur"] {
                try PrivateFiles.createDirectory(atPath: path)
            }
            try DurableFile.write(header + message, name: name, in: folder)
            try DurableFile.syncDirectory(folder)
        }
        return name
    }

    /// One line of printable ASCII, at most 200 characters.
    static func headerSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? $0 : "?" }).prefix(200))
    }
}
