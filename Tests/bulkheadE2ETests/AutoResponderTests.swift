import BulkheadTestSupport
import Foundation
import Testing

/// Issue 11's auto-responder with the real binary and real peers: `bulkhead serve` runs its inbound
/// listener with `support@` as a responder in front of an SMTP upstream (the recording sink, or a
/// naive responder on aiosmtpd); mail is sent with Python's smtplib; a seeded mbox backlog is
/// imported with `bulkhead autoreply import`.
@Suite("End to end: auto-responder", .serialized)
struct AutoResponderEndToEndTests {
    static let responder = "support@\(Workspace.fromDomain)"
    static let subject = "We received your message"

    /// Writes the configuration: the inbound listener on `inboundPort`, `support@` answering and
    /// sending the mail on to `destination` (a YAML key and value), the upstream on `upstreamPort`.
    static func configure(_ workspace: Workspace, inboundPort: Int, upstreamPort: Int, destination: String) throws {
        let text = workspace.root.appendingPathComponent("support.txt")
        try "Thank you for writing. We answer within a working day.\n".write(to: text, atomically: true, encoding: .utf8)
        var settings = SendSettings(upstreamPort: upstreamPort)
        settings.extraYAML = """
            inbound:
              listen: ["127.0.0.1:\(inboundPort)"]
            alerts:
              email: ops@\(Workspace.fromDomain)
            autoresponders:
              - address: \(responder)
                subject: "\(subject)"
                text_file: \(text.path)
                once_per_sender_days: 7
                \(destination)

            """
        try workspace.writeConfiguration(settings)
    }

    /// Sends the template once per sender to the responder (list_post.py: {FROM}, {N}); the answers.
    static func send(_ workspace: Workspace, port: Int, template: String, senders: [String]) async throws -> [String] {
        let file = workspace.root.appendingPathComponent("mail-\(UUID().uuidString.prefix(6)).eml")
        try template.write(to: file, atomically: true, encoding: .utf8)
        let output = try await Python.run(
            name: "send", script: try Fixtures.file("list_post.py"),
            arguments: ["127.0.0.1", "\(port)", responder, file.path, senders.joined(separator: ",")], in: workspace.root)
        return output.split(separator: "\n").map(String.init)
    }

    /// Story 000: a helpdesk connected to a 7,000-message mailbox with Cc's answers none of it; then
    /// 20 new messages from 12 people (with others in Cc) get 12 replies, to the senders only, and
    /// all 20 are forwarded.
    @Test func aBacklogOf7000IsImportedWithoutAReplyThen12PeopleGet12Replies() async throws {
        let workspace = try await Workspace(.sqlite)
        let sink = try await RecordingSink(in: workspace.root)
        let inboundPort = try Loopback.freePort()
        try Self.configure(workspace, inboundPort: inboundPort, upstreamPort: sink.port, destination: "forward_to: helpdesk@internal.example")

        let mbox = workspace.root.appendingPathComponent("backlog.mbox")
        let generated = try await Python.run(
            name: "mbox-backlog", script: try Fixtures.file("mbox_backlog.py"), arguments: ["11", "7000", mbox.path, Self.responder],
            in: workspace.root)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(generated.utf8)) as? [String: Int])
        let dryRun = try await workspace.bulkhead(["autoreply", "import", Self.responder, "--mbox", mbox.path, "--dry-run", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(dryRun.stdout.utf8)) as? [String: Int], "\(dryRun.summary)")
        #expect(report["messages"] == 7_000 && report["skipped"] == 0)
        #expect(report["naiveReplies"] == 7_000 && report["naivePeople"] == expected["naive_people"], "\(report) vs \(expected)")
        #expect(report["senders"] == expected["senders"])
        #expect((report["ruleReplies"] ?? 0) > 1_000 && (report["ruleReplies"] ?? 0) <= expected["senders"] ?? 0)
        #expect(report["bulkheadReplies"] == 0 && report["recorded"] == 0)
        let text = try await workspace.bulkhead(["autoreply", "import", Self.responder, "--mbox", mbox.path])
        #expect(text.stdout.contains("Bulkhead sends 0 replies") && text.stdout.contains("recorded 7000 messages"), "\(text.summary)")
        let unknown = try await workspace.start(["autoreply", "import", "nobody@\(Workspace.fromDomain)", "--mbox", mbox.path]).finish(
            timeout: .seconds(60))
        #expect(unknown.status == 2 && unknown.stderr.contains("not a configured auto-responder"), "\(unknown.summary)")

        let people = (0..<12).map { "person\($0)@customers\($0 % 7).example" }
        let senders = people + people.prefix(8)
        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await Loopback.waitForListener(port: inboundPort, process: serve)
            let answers = try await Self.send(
                workspace, port: inboundPort,
                template:
                    "From: {FROM}\nTo: Support <\(Self.responder)>\nCc: colleague{N}@customers1.example, boss@customers2.example\nSubject: Where is my order {N}\nMessage-ID: <new-{N}@customers.example>\n\nHello, where is it?\n",
                senders: senders)
            #expect(answers.count == 20 && answers.allSatisfy { $0.hasPrefix("250") }, "\(answers)")
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(120)) { sink.count() >= 32 }
            try await Task.sleep(for: .seconds(2))
            try await Self.check(workspace, sink.records(), people: people)
        }
        #expect(stopped.status == 0, "\(stopped.summary)")
    }

    /// What story 000's 20 new messages must have led to: 12 replies to the senders only, 20 forwards.
    static func check(_ workspace: Workspace, _ records: [SinkRecord], people: [String]) async throws {
        let replies = records.filter { $0.mail_from.isEmpty }
        let forwards = records.filter { $0.rcpts == ["helpdesk@internal.example"] }
        #expect(records.count == 32, "\(records.map { ($0.mail_from, $0.rcpts) })")
        #expect(replies.count == 12 && replies.allSatisfy { $0.rcpts.count == 1 && $0.subject == [Self.subject] })
        #expect(Set(replies.flatMap(\.rcpts)) == Set(people), "one reply per person, to the sender only")
        #expect(replies.allSatisfy { $0.to.count == 1 && !$0.to[0].contains("colleague") && !$0.to[0].contains("boss") })
        #expect(forwards.count == 20 && Set(forwards.map(\.mail_from)) == Set(people), "every message forwarded with its sender")
        let status = try await workspace.bulkhead(["autoreply", "status", "--json"])
        #expect(status.stdout.contains("\"imported\" : 7000") && status.stdout.contains("\"replied\" : 12"), "\(status.stdout)")
        #expect(status.stdout.contains("\"once-per-sender\" : 8"), "\(status.stdout)")
    }

    /// Two responders: Bulkhead and a naive one that answers everything (no RFC 3834). Bulkhead's reply
    /// (null sender, Auto-Submitted) gets a naive answer, which Bulkhead does not answer (once per
    /// sender): the loop stops after one exchange.
    @Test func aLoopWithANaiveResponderStopsAfterOneExchange() async throws {
        let workspace = try await Workspace(.sqlite)
        let inboundPort = try Loopback.freePort()
        let log = workspace.root.appendingPathComponent("naive.jsonl")
        let input = Pipe()
        let naive = try Python.start(
            name: "naive-responder", script: try Fixtures.file("naive_responder.py"),
            arguments: [log.path, "127.0.0.1", "\(inboundPort)", "bot@away.example"], in: workspace.root, standardInput: input)
        defer { try? input.fileHandleForWriting.close() }
        let naivePort = try await readyPort(naive)
        try Self.configure(workspace, inboundPort: inboundPort, upstreamPort: naivePort, destination: "maildir: support-mail")

        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await Loopback.waitForListener(port: inboundPort, process: serve)
            let answers = try await Self.send(
                workspace, port: inboundPort, template: "From: {FROM}\nTo: \(Self.responder)\nSubject: Invoice\n\nPlease send the invoice.\n",
                senders: ["bot@away.example"])
            #expect(answers.first?.hasPrefix("250") == true, "\(answers)")
            // Bulkhead replies, the naive responder answers that reply: then nothing more may happen.
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(60)) { Self.lines(log).contains { $0.contains("\"answered\"") } }
            try await Task.sleep(for: .seconds(5))
            try await Self.checkLoop(workspace, log: log)
        }
        #expect(stopped.status == 0, "\(stopped.summary)")
    }

    /// What the loop must have come to: one reply, one naive answer, no reply to it, both kept.
    static func checkLoop(_ workspace: Workspace, log: URL) async throws {
        let lines = Self.lines(log)
        #expect(lines.filter { $0.contains("\"received\"") }.count == 1, "the naive responder got one reply: \(lines)")
        #expect(lines.filter { $0.contains("\"answered\"") }.count == 1, "and answered once: \(lines)")
        #expect(lines.contains { $0.contains("\"auto_submitted\": \"auto-replied\"") && $0.contains("\"mail_from\": \"<>\"") }, "\(lines)")
        let status = try await workspace.bulkhead(["autoreply", "status", "--json"])
        #expect(status.stdout.contains("\"replied\" : 1") && status.stdout.contains("\"once-per-sender\" : 1"), "\(status.stdout)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: workspace.dataDirectory.appendingPathComponent("support-mail/new").path)
        #expect(kept.count == 2, "both messages kept in the Maildir: \(kept)")
    }

    static func lines(_ file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
