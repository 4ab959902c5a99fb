import BulkheadTestSupport
import Testing

@testable import BulkheadMail

/// A source producing `total` pseudo-random bytes in reads of at most `maxRead`.
private struct PatternSource: AttachmentByteSource {
    var produced = 0
    let total: Int
    let maxRead: Int
    var largestRequest = 0

    static func byte(at index: Int) -> UInt8 { UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7) }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, maxRead, total - produced)
        for offset in 0..<count { buffer[offset] = PatternSource.byte(at: produced + offset) }
        produced += count
        return count
    }
}

private struct FailingSource: AttachmentByteSource {
    struct Broken: Error {}
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { throw Broken() }
}

/// A sink that records chunk sizes and keeps the bytes.
private struct RecordingSink: MessageByteSink {
    var bytes: [UInt8] = []
    var chunkSizes: [Int] = []
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws {
        chunkSizes.append(chunk.count)
        bytes.append(contentsOf: chunk)
    }
}

@Suite struct BuildStreamTests {
    private func builder() throws -> MessageBuilder {
        var builder = MessageBuilder(from: Mailbox(localPart: "news", domain: "shop.example"))
        builder.to = [.mailbox(Mailbox(localPart: "ann", domain: "example.org"))]
        builder.subject = "Report"
        builder.textBody = "Attached.\n"
        builder.messageID = try MessageID(left: "report", right: "shop.example")
        builder.date = MessageDate(secondsSince1970: 1_800_000_000)
        return builder
    }

    @Test func streamedAttachmentEqualsInMemoryAttachment() throws {
        let total = 1_000_003
        let data = (0..<total).map(PatternSource.byte(at:))
        var inMemory = try builder()
        inMemory.attachments = [Attachment(filename: "big.bin", mediaType: "application/octet-stream", data: data)]
        var generator = SeededGenerator(seed: 9)
        let expected = try inMemory.build(using: &generator)

        var sink = RecordingSink()
        let streamed = StreamedAttachment(
            filename: "big.bin", mediaType: "application/octet-stream",
            source: PatternSource(total: total, maxRead: 10_007), chunkSize: 16_384)
        generator = SeededGenerator(seed: 9)
        try builder().write(to: &sink, streaming: [streamed], chunkSize: 32_768, using: &generator)
        #expect(sink.bytes == expected)
        // Bounded chunks: each write is at most the threshold plus one encoded source chunk.
        #expect(sink.chunkSizes.count > 20)
        #expect(sink.chunkSizes.allSatisfy { $0 <= 32_768 + 16_384 * 4 / 3 + 1024 })
    }

    @Test func streamedAttachmentIsReadByPython() throws {
        var sink: [UInt8] = []
        let streamed = StreamedAttachment(
            filename: "données.bin", mediaType: "application/octet-stream",
            source: PatternSource(total: 70_000, maxRead: 333), chunkSize: 1000)
        try builder().write(to: &sink, streaming: [streamed], chunkSize: 4096)
        var expected = try builder()
        expected.attachments = [
            Attachment(
                filename: "données.bin", mediaType: "application/octet-stream",
                data: (0..<70_000).map(PatternSource.byte(at:)))
        ]
        let described = try PythonEmailReader.describe([sink])
        let problems = PythonEmailReader.mismatches(python: described[0], builder: expected)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func sourceFailureIsReported() throws {
        var sink: [UInt8] = []
        let streamed = StreamedAttachment(filename: "x", mediaType: "application/octet-stream", source: FailingSource())
        #expect(throws: MessageBuildError.attachmentSource(index: 0, reason: "Broken()")) {
            try builder().write(to: &sink, streaming: [streamed])
        }
    }
}
