import Foundation
import Logging
import Synchronization
import Testing

@testable import BulkheadEngine

@Suite struct LineLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    private func logger(_ sink: Lines, format: LineLogHandler.Format = .text, level: Logger.Level = .trace) -> Logger {
        Logger(label: "test") { label in LineLogHandler(label: label, format: format, level: level) { sink.append($0) } }
    }

    @Test func addressesNeverAppearAboveDebug() {
        let sink = Lines()
        let log = logger(sink)
        log.info("delivered to ada@example.com ok", metadata: ["recipient": "Ada@Example.com", "campaign": "7"])
        log.warning("deferred <bob@example.org>", metadata: ["note": "retry bob@example.org later"])
        log.debug("debug shows ada@example.com", metadata: ["recipient": "ada@example.com"])
        let lines = sink.all
        #expect(lines.count == 3)
        #expect(!lines[0].contains("@") && !lines[1].contains("@"))
        #expect(lines[0].contains("campaign=7"))
        // The same address gets the same tag, whatever its case or where it appears.
        let tag = LineLogHandler.tag("ada@example.com")
        #expect(lines[0].contains("recipient=\(tag)") && lines[0].contains("delivered to \(tag) ok"))
        #expect(lines[1].contains("<\(LineLogHandler.tag("bob@example.org"))>"))
        #expect(lines[2].contains("debug shows ada@example.com") && lines[2].contains("recipient=ada@example.com"))
    }

    @Test func oneJSONObjectPerLine() throws {
        let sink = Lines()
        logger(sink, format: .json).notice("campaign aborted", metadata: ["campaign": "3", "sent_after_abort": "2"])
        let line = try #require(sink.all.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["message"] == "campaign aborted" && object["level"] == "notice" && object["sent_after_abort"] == "2")
    }

    @Test func respectsTheLevel() {
        let sink = Lines()
        let log = logger(sink, level: .warning)
        log.info("hidden")
        log.error("shown")
        #expect(sink.all.count == 1)
    }
}
