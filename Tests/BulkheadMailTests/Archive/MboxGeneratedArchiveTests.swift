import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// A 7,000-message mbox made by a seeded generator (LF and CRLF messages, `From ` and `>From ` lines
/// quoted as mboxrd writes them, Cc's): every message comes back exactly, and the reader holds no
/// more than one chunk and one line however large the file.
@Suite struct MboxGeneratedArchiveTests {
    static let messageCount = 7000

    /// Message `number` of the archive made from `generator`: its text as the sender wrote it (LF
    /// or CRLF line ends) and as the reader must return it.
    static func message(_ number: Int, using generator: inout SeededGenerator) -> (written: [UInt8], expected: [UInt8]) {
        let crlf = generator.next() % 4 == 0
        var lines = [
            "From: Person \(number) <person\(number % 997)@example.org>",
            "To: Support <support@shop.example>",
            "Cc: " + (0..<Int(generator.next() % 4)).map { "cc\($0)-\(number)@example.net" }.joined(separator: ", "),
            "Subject: Question \(number)",
            "Message-ID: <m\(number)@example.org>",
            "",
        ]
        for line in 0..<Int(generator.next() % 40) {
            switch generator.next() % 10 {
            case 0: lines.append("From the desk of person \(number)")
            case 1: lines.append(">From a quoted line \(line)")
            case 2: lines.append("")
            default: lines.append(String(repeating: "abcdefgh ", count: Int(generator.next() % 12)) + "\(line)")
            }
        }
        let end = crlf ? "\r\n" : "\n"
        var written: [UInt8] = []
        var expected: [UInt8] = []
        for line in lines {
            let quotes = line.prefix { $0 == ">" }.count
            let quoted = line.dropFirst(quotes).hasPrefix("From ") ? ">" + line : line
            written += Array((quoted + end).utf8)
            expected += Array((line + "\r\n").utf8)
        }
        return (written, expected)
    }

    @Test func everyMessageComesBackWithBoundedMemory() throws {
        let directory = try ArchiveTestDirectory()
        let path = directory.url.appendingPathComponent("generated.mbox").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        var writer = SeededGenerator(seed: 3834)
        var largest = 0
        for number in 1...Self.messageCount {
            let (written, expected) = Self.message(number, using: &writer)
            largest = max(largest, expected.count)
            handle.write(Data(Array("From person\(number % 997)@example.org Mon Jan  1 00:00:00 2024\n".utf8) + written + [0x0A]))
        }
        try handle.close()
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)

        let limit = 16 << 10
        #expect(largest <= limit)
        #expect(fileSize > 100 * limit, "the file must be far larger than what the reader may hold")
        let reader = try MboxReader(path: path, maximumMessageBytes: limit)
        var checker = SeededGenerator(seed: 3834)
        var count = 0
        var mostRetained = 0
        while let message = try reader.next() {
            count += 1
            let (_, expected) = Self.message(count, using: &checker)
            #expect(message.number == count)
            #expect(message.envelopeSender == "person\(count % 997)@example.org")
            if message.bytes != expected {
                Issue.record("message \(count) differs:\n\(String(decoding: message.bytes, as: UTF8.self))")
                break
            }
            mostRetained = max(mostRetained, reader.retainedCapacity)
        }
        #expect(count == Self.messageCount)
        #expect(mostRetained <= ArchiveLineReader.chunkSize + 2 * limit)
    }
}
