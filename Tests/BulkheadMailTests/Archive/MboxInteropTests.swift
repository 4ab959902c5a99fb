import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// An mbox written by an independent writer (Python's `mailbox` module) reads as Python itself reads
/// it back: the same messages, in the same order, with the same separator senders.
@Suite struct MboxInteropTests {
    @Test func pythonsMboxReadsAsPythonReadsIt() throws {
        let directory = try ArchiveTestDirectory()
        let path = directory.url.appendingPathComponent("python.mbox").path
        let script = Bundle.module.url(forResource: "python_mbox", withExtension: "py", subdirectory: "Fixtures/archive")
        let json = try PythonPeer.runJSON(script, arguments: [path, "300", "3834"], needs: "the mailbox module")
        let python = try #require(json as? [[String: String]])
        try #require(python.count == 300)

        let reader = try MboxReader(path: path)
        for (index, entry) in python.enumerated() {
            let message = try #require(try reader.next(), "message \(index + 1) is missing")
            let bytes = try #require(entry["bytes"].flatMap { Data(base64Encoded: $0) })
            var expected: [UInt8] = []
            var normalizer = CRLFNormalizer()
            normalizer.append(ArraySlice(bytes), to: &expected)
            #expect(message.number == index + 1)
            #expect(message.envelopeSender == entry["sender"])
            #expect(message.bytes == expected, "message \(index + 1)")
        }
        #expect(try reader.next() == nil)
    }
}
