import BulkheadSMTP
import Foundation
import Testing

@Suite("Capture transport")
struct CaptureTransportTests {
    private func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "bulkhead-capture-" + UUID().uuidString
    }

    @Test func capturesDurablyAndReadsBack() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try CaptureTransport(directory: directory)
        let envelope = try Envelope(mailFrom: "bounce+1@sender.test", recipient: "ada@rcpt.test")
        let message = Array("Subject: hello\r\n\r\n.exact bytes\r\n".utf8)
        let outcome = await transport.deliver(envelope, message)
        guard case .sent(.note(let note)) = outcome else {
            Issue.record("expected sent, got \(outcome)")
            return
        }
        let mailbox = CaptureMailbox(directory: directory)
        let page = try mailbox.list()
        #expect(page.total == 1)
        let info = try #require(page.items.first)
        #expect(note == "captured as \(info.id)")
        #expect(info.mailFrom == "bounce+1@sender.test" && info.recipient == "ada@rcpt.test")
        #expect(info.size == message.count && !info.requiresSMTPUTF8)
        let read = try mailbox.read(id: info.id)
        #expect(read.bytes == message)
        #expect(read.info == info)
        // the files on disk: <id>.eml with the exact bytes and <id>.json; no temporary file left
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == [info.id + ".eml", info.id + ".json"])
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + info.id + ".eml"))) == message)
    }

    @Test func listsNewestFirstInPages() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try CaptureTransport(directory: directory)
        var ids: [String] = []
        for index in 0..<7 {
            let envelope = try Envelope(mailFrom: "s@sender.test", recipient: "r\(index)@rcpt.test")
            let date = Date(timeIntervalSince1970: 1_700_000_000 + Double(index))
            ids.append(try transport.capture(envelope, Array("n: \(index)\r\n".utf8), at: date))
        }
        let mailbox = CaptureMailbox(directory: directory)
        let first = try mailbox.list(offset: 0, limit: 3)
        #expect(first.total == 7)
        #expect(first.items.map(\.recipient) == ["r6@rcpt.test", "r5@rcpt.test", "r4@rcpt.test"])
        let last = try mailbox.list(offset: 6, limit: 3)
        #expect(last.items.map(\.id) == [ids[0]])
        #expect(try mailbox.list(offset: 10, limit: 3).items.isEmpty)
        #expect(try mailbox.read(id: ids[3]).bytes == Array("n: 3\r\n".utf8))
    }

    @Test func messagesOfTheSameMicrosecondKeepTheirOwnIDs() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try CaptureTransport(directory: directory)
        let date = Date(timeIntervalSince1970: 1_800_000_000)  // a manual clock dates a whole wave alike
        let ids = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    try (0..<100).map { index in
                        let envelope = try Envelope(mailFrom: "s@sender.test", recipient: "r\(worker)-\(index)@rcpt.test")
                        return try transport.capture(envelope, Array("n: \(index)\r\n".utf8), at: date)
                    }
                }
            }
            return try await group.reduce([], +)
        }
        #expect(Set(ids).count == 400)
        #expect(try CaptureMailbox(directory: directory).list(offset: 0, limit: 1_000).total == 400, "none overwritten")
    }

    @Test func refusesWhatSMTPWouldRefuse() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try CaptureTransport(directory: directory)
        let envelope = try Envelope(mailFrom: "s@sender.test", recipient: "r@rcpt.test")
        let outcome = await transport.deliver(envelope, Array("a: b\n\nbody\n".utf8))
        #expect(outcome == .failed(.note("message refused: bare LF (not preceded by CR) at offset 4"), hardBounce: false))
        #expect(try CaptureMailbox(directory: directory).list().total == 0)
    }

    @Test func rejectsBadIDs() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try CaptureTransport(directory: directory)
        let mailbox = CaptureMailbox(directory: directory)
        #expect(throws: CaptureError.invalidID("../../etc/passwd")) { try mailbox.read(id: "../../etc/passwd") }
        let missing = "00000000000000001-0000abcd"
        #expect(throws: CaptureError.notFound(missing)) { try mailbox.read(id: missing) }
    }
}
