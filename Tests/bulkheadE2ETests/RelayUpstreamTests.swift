import BulkheadTestSupport
import Foundation
import Testing

/// The guard relay in front of a real MTA: Postfix's `smtp-sink` is the upstream. One connection for
/// four senders, so the relay's copies go out pipelined behind each other's bodies (smtp-sink offers
/// PIPELINING); every recipient gets each message once, as its own SMTP transaction.
@Suite("End to end: the guard relay in front of Postfix's smtp-sink", .serialized)
struct RelayUpstreamEndToEndTests {
    /// (`whileServing` discards the workspace when `serve` ends: the dumps are read before.)
    @Test func everyRelayedCopyReachesSmtpSinkOnce() async throws {
        let workspace = try await Workspace(.sqlite)
        let server = try await ReceivingServer(.smtpSink, in: workspace.root)
        do {
            try await run(workspace, server)
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    private func run(_ workspace: Workspace, _ server: ReceivingServer) async throws {
        let relayPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: server.port)
        settings.concurrency = 4
        settings.maxConnections = 1
        settings.extraYAML = "relay:\n  listen: [\"127.0.0.1:\(relayPort)\"]\n"
        try workspace.writeConfiguration(settings)
        let recipients = (1...6).map { "ops\($0)@rcpt.e2e.example" }
        let note = workspace.root.appendingPathComponent("note.eml")
        try "From: Reports <reports@\(Workspace.fromDomain)>\nTo: ops@rcpt.e2e.example\nSubject: nightly report\n\n.a line with a dot\nall good\n"
            .write(to: note, atomically: true, encoding: .utf8)
        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await Loopback.waitForListener(port: relayPort, process: serve)
            let answers = try await RelayEndToEndTests.submit(
                workspace, port: relayPort, from: "reports@\(Workspace.fromDomain)", to: recipients, file: note.path, count: 5)
            #expect(answers.split(separator: "\n").count == 5 && answers.split(separator: "\n").allSatisfy { $0.hasPrefix("250") }, "\(answers)")
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(60)) { server.messageCount() >= 30 }
            try await Task.sleep(for: .seconds(1))
            try Self.check(server, recipients: recipients)
        }
        #expect(stopped.status == 0, "\(stopped.summary)")
    }

    /// Every dump is one transaction with one RCPT, and each recipient got each of the 5 messages once.
    private static func check(_ server: ReceivingServer, recipients: [String]) throws {
        let dumps = try FileManager.default.contentsOfDirectory(atPath: server.directory.path)
        #expect(dumps.count == 30, "6 recipients × 5 messages, one transaction each")
        var perRecipient: [String: Int] = [:]
        for dump in dumps {
            let text = try String(contentsOf: server.directory.appendingPathComponent(dump), encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: ["\r"]) }
            let rcpts = lines.filter { $0.hasPrefix("X-Rcpt-Args:") }
            #expect(rcpts.count == 1, "one RCPT per transaction in \(dump)")
            #expect(lines.contains(".a line with a dot"), "dot-stuffing undone by the sink: the line arrives as written")
            #expect(lines.contains("Subject: nightly report"))
            for recipient in recipients where rcpts.first?.contains("<\(recipient)>") == true { perRecipient[recipient, default: 0] += 1 }
        }
        #expect(perRecipient == Dictionary(uniqueKeysWithValues: recipients.map { ($0, 5) }), "each recipient gets each message once")
    }
}
