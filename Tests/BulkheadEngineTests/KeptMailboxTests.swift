import Foundation
import Testing

@testable import BulkheadEngine

/// The Maildir of unfiled inbound mail: durable files 0600 with their reason on top, and a size cap
/// so a flood cannot fill the disk.
@Suite struct KeptMailboxTests {
    @Test func keepsWithTheReasonAndRefusesPastTheCap() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kept-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let mailbox = KeptMailbox(directory: directory.path, maximumBytes: 1_000)
        let message = Array("Subject: hi\r\n\r\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 500)
        let name = try await mailbox.keep(message, reason: "not a bounce\r\nX-Evil: 1")
        let path = directory.appendingPathComponent("new").appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("X-Bulkhead-Kept: not a bounce??X-Evil: 1\r\nSubject: hi\r\n"), "the reason cannot add a header line")
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        await #expect(throws: KeptMailboxFull(maximumBytes: 1_000)) {
            _ = try await mailbox.keep(message, reason: "second")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("new").path).count == 1)
        // A person clears the mailbox: after the next count (at most a minute later) there is room again.
        try FileManager.default.removeItem(atPath: path)
        _ = try await mailbox.keep(message, reason: "later", at: Date().addingTimeInterval(61))
    }
}
