import BulkheadSMTP
import Foundation
import Testing

/// Builds the test messages: a sequence header, a single `To:`, and body lines that need dot-stuffing.
enum TestMessages {
    static func message(_ sequence: Int, to recipient: String) -> [UInt8] {
        let lines: [String] = [
            "From: Sender <s@sender.test>", "To: <\(recipient)>", "Subject: Test \(sequence)",
            "Message-ID: <\(sequence)@bulkhead.test>", "X-Bulkhead-Seq: \(sequence)", "",
            "Hello \(sequence)", ".leading dot", "..two dots", ".", "end",
        ]
        return Array(lines.map { $0 + "\r\n" }.joined().utf8)
    }

    static func upstream(port: Int) -> SMTPUpstream {
        var upstream = SMTPUpstream(host: "127.0.0.1", port: port, session: SMTPSessionConfiguration(heloName: "bulkhead.test"))
        upstream.session.tlsPolicy = .off
        upstream.session.timeouts = SMTPTimeouts(all: .seconds(30))
        upstream.maxConnections = 3
        upstream.maxMessagesPerConnection = 10
        return upstream
    }

    /// Sends `count` messages concurrently through `pool`; returns the outcomes by sequence number.
    static func sendAll(_ count: Int, through pool: SMTPConnectionPool) async throws -> [Int: DeliveryOutcome] {
        try await withThrowingTaskGroup(of: (Int, DeliveryOutcome).self) { group in
            for sequence in 0..<count {
                group.addTask {
                    let recipient = "r\(sequence)@rcpt.test"
                    let envelope = try Envelope(mailFrom: "bounce+\(sequence)@sender.test", recipient: recipient)
                    return (sequence, await pool.deliver(envelope, message(sequence, to: recipient)))
                }
            }
            var outcomes: [Int: DeliveryOutcome] = [:]
            for try await (sequence, outcome) in group { outcomes[sequence] = outcome }
            return outcomes
        }
    }
}

@Suite("Delivery to real SMTP servers (smtp-sink, aiosmtpd)", .serialized)
struct RealPeerTests {
    @Test func smtpSinkReceivesEveryMessageExactlyOnce() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let pool = try SMTPConnectionPool(upstream: TestMessages.upstream(port: sink.port))
        let count = 60
        let outcomes = try await TestMessages.sendAll(count, through: pool)
        await pool.shutdown()
        for sequence in 0..<count {
            guard case .sent(.reply(.endOfData, let reply))? = outcomes[sequence] else {
                Issue.record("message \(sequence): \(String(describing: outcomes[sequence]))")
                continue
            }
            #expect(reply.code == 250)
        }
        // smtp-sink writes its dump before answering the final dot; give the file system a moment
        var dumps = try sink.dumps()
        for _ in 0..<100 where dumps.count < count {
            try await Task.sleep(for: .milliseconds(100))
            dumps = try sink.dumps()
        }
        #expect(dumps.count == count)
        var seen: [Int: Int] = [:]
        for dump in dumps {
            let text = try String(contentsOfFile: sink.dumpDirectory + "/" + dump, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: ["\r"]) }
            let recipients = lines.filter { $0.hasPrefix("X-Rcpt-Args:") }
            let sequences = lines.filter { $0.hasPrefix("X-Bulkhead-Seq: ") }.compactMap { Int($0.dropFirst(16)) }
            #expect(recipients.count == 1, "one RCPT per message in \(dump)")
            #expect(sequences.count == 1)
            guard let sequence = sequences.first, let recipient = recipients.first else { continue }
            seen[sequence, default: 0] += 1
            #expect(recipient.contains("<r\(sequence)@rcpt.test>"), "\(recipient) for message \(sequence)")
            #expect(lines.contains("To: <r\(sequence)@rcpt.test>"))
        }
        #expect(seen.count == count && seen.values.allSatisfy { $0 == 1 }, "every message exactly once")
    }

    @Test func aiosmtpdReceivesExactBytesOncePerRecipient() async throws {
        let server = try await AiosmtpdServer()
        defer { server.stop() }
        var upstream = TestMessages.upstream(port: server.port)
        upstream.maxConnections = 2
        upstream.maxMessagesPerConnection = 4
        let pool = try SMTPConnectionPool(upstream: upstream)
        let count = 20
        let outcomes = try await TestMessages.sendAll(count, through: pool)
        // an 8-bit message and an internationalised recipient (SMTPUTF8, RFC 6531)
        let utf8Recipient = "jürgen@rcpt.test"
        let utf8Message = Array("From: <s@sender.test>\r\nTo: <\(utf8Recipient)>\r\nSubject: Grüße\r\n\r\nÄrger über Öl\r\n".utf8)
        let utf8Outcome = await pool.deliver(try Envelope(mailFrom: "s@sender.test", recipient: utf8Recipient), utf8Message)
        await pool.shutdown()
        #expect(outcomes.values.allSatisfy { if case .sent = $0 { true } else { false } }, "\(outcomes)")
        guard case .sent = utf8Outcome else {
            Issue.record("SMTPUTF8 message: \(utf8Outcome)")
            return
        }
        let stored = try server.messages()
        #expect(stored.count == count + 1)
        var seen = Set<Int>()
        for message in stored where message.recipients != [utf8Recipient] {
            #expect(message.recipients.count == 1)
            let recipient = try #require(message.recipients.first)
            let sequence = try #require(Int(recipient.dropFirst().prefix { $0 != "@" }))
            #expect(seen.insert(sequence).inserted, "message \(sequence) arrived twice")
            #expect(message.mailFrom == "bounce+\(sequence)@sender.test")
            #expect(message.bytes == TestMessages.message(sequence, to: recipient), "exact bytes for \(sequence)")
        }
        #expect(seen == Set(0..<count))
        let international = try #require(stored.first { $0.recipients == [utf8Recipient] })
        #expect(international.bytes == utf8Message)
        #expect(international.options.contains("SMTPUTF8") && international.options.contains("BODY=8BITMIME"))
    }
}
