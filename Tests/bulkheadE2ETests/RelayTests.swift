import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 10's guard relay with the real binary and real clients: `bulkhead serve` runs its relay
/// listener in front of a recording SMTP sink (the upstream); Python's smtplib and swaks submit, users
/// are created with `bulkhead user create … --role relay`, and the hold queue is worked with the CLI.
@Suite("End to end: the guard relay", .serialized)
struct RelayEndToEndTests {
    static let ann = ["BULKHEAD_PASSWORD": "ann-pw"]

    @Test(arguments: Backend.allCases)
    func theRelayHoldsExposureStopsAScriptAndIsNoOpenRelay(backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root)
        let relayPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: sink.port)
        // Loopback is not an allowed network here: clients must authenticate (allowed without TLS on
        // loopback, the dangerous option's name says so).
        settings.extraYAML = """
            relay:
              listen: ["127.0.0.1:\(relayPort)"]
              allow_networks: ["192.0.2.0/24"]
              insecure_auth_without_tls_on_loopback: true
              bulk_undo_from_recipients: 1000

            """
        try workspace.writeConfiguration(settings)
        try await Self.createUsers(workspace)
        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await Loopback.waitForListener(port: relayPort, process: serve)
            try await run(workspace, sink: sink, port: relayPort)
        }
        #expect(stopped.status == 0, "serve stops cleanly on Ctrl-C: \(stopped.summary)")
    }

    static func createUsers(_ workspace: Workspace) async throws {
        let admin = try await workspace.start(["user", "create", "ann", "--role", "admin,approver", "--password-stdin"], input: "ann-pw\n")
            .finish(timeout: .seconds(60))
        #expect(admin.status == 0, "\(admin.summary)")
        for name in ["mailer", "script"] {
            let user = try await workspace.start(
                ["user", "create", name, "--role", "relay", "--password-stdin", "--as", "ann"], input: "\(name)-pw\n", environment: Self.ann
            ).finish(timeout: .seconds(60))
            #expect(user.status == 0, "\(user.summary)")
        }
    }

    private func run(_ workspace: Workspace, sink: RecordingSink, port: Int) async throws {
        // An open-relay attempt: swaks from loopback without AUTH to an external domain.
        let plain = workspace.root.appendingPathComponent("plain.eml")
        try "From: Stranger <x@elsewhere.example>\nTo: victim@example.org\nSubject: hi\n\nhello\n".write(
            to: plain, atomically: true, encoding: .utf8)
        let openRelay = try await Self.swaks(workspace, port: port, from: "x@elsewhere.example", to: "victim@example.org", file: plain.path)
        #expect(openRelay.status != 0 && openRelay.stdout.contains("550 5.7.1"), "\(openRelay.summary)")

        // A newsletter with 60 customers in To: accepted (250), held, nothing at the sink.
        let customers = (1...60).map { "customer\($0)@rcpt.e2e.example" }
        let newsletter = workspace.root.appendingPathComponent("newsletter.eml")
        try
            ("From: Mailer <mailer@\(Workspace.fromDomain)>\nTo: " + customers.joined(separator: ",\n ")
            + "\nSubject: Our spring newsletter\nMessage-ID: <spring-1@\(Workspace.fromDomain)>\n\nDear customers,\nspring is here.\n")
            .write(to: newsletter, atomically: true, encoding: .utf8)
        let submitted = try await Self.submit(
            workspace, port: port, from: "mailer@\(Workspace.fromDomain)", to: customers, file: newsletter.path, user: "mailer")
        #expect(submitted.hasPrefix("250"), "\(submitted)")
        let list = try await workspace.bulkhead(["hold", "list", "--json"])
        let held = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(held.count == 1, "\(list.stdout)")
        let id = try #require((held.first?["id"] as? NSNumber)?.int64Value)
        #expect((held.first?["findings"] as? [String])?.contains { $0.hasPrefix("relay.exposure") } == true, "\(list.stdout)")
        #expect(held.first?["recipients"] as? Int == 60)
        // Only the sender's notice went out (from the null sender), nothing to a customer.
        let notices = try sink.records()
        #expect(notices.map(\.rcpts) == [["mailer@\(Workspace.fromDomain)"]] && notices.allSatisfy { $0.mail_from.isEmpty }, "\(notices)")

        // Released as individual copies by an approver: 60 messages, each To naming only its recipient.
        let release = try await workspace.start(["hold", "release", "\(id)", "--split", "--as", "ann"], environment: Self.ann)
            .finish(timeout: .seconds(60))
        #expect(release.status == 0 && release.stdout.contains("DMARC-aligned delivery is not possible"), "\(release.summary)")
        try await Self.waitUntil(timeout: .seconds(60)) { sink.count() >= 61 }
        let records = try sink.records().filter { !$0.mail_from.isEmpty }
        #expect(records.count == 60)
        #expect(Set(records.flatMap(\.rcpts)) == Set(customers))
        for record in records {
            #expect(record.rcpts.count == 1)
            #expect(record.to.count == 1 && record.to.first?.contains(record.rcpts[0]) == true, "\(record.to)")
            #expect(!customers.contains { $0 != record.rcpts[0] && record.to.joined().contains($0) }, "no other customer in To")
        }

        // A script gone wrong: 500 messages in a minute from one user; the breaker cuts it off at 30.
        let note = workspace.root.appendingPathComponent("note.eml")
        try "From: Reports <reports@\(Workspace.fromDomain)>\nTo: ops@rcpt.e2e.example\nSubject: nightly report\n\nall good\n".write(
            to: note, atomically: true, encoding: .utf8)
        let script = try await Self.submit(
            workspace, port: port, from: "reports@\(Workspace.fromDomain)", to: ["ops@rcpt.e2e.example"], file: note.path, count: 500,
            user: "script")
        #expect(
            script.split(separator: "\n").count == 500 && script.split(separator: "\n").allSatisfy { $0.hasPrefix("250") }, "every message accepted")
        try await Task.sleep(for: .seconds(2))
        let scripted = try sink.records().filter { $0.rcpts == ["ops@rcpt.e2e.example"] }.count
        let scriptNotices = try sink.records().filter { $0.rcpts == ["reports@\(Workspace.fromDomain)"] }.count
        #expect(scriptNotices == 1, "one notice for the trip, none for the 470 messages held after it")
        #expect(scripted < 30, "the 30th message trips the breaker: \(scripted) went out")
        let breakers = try await workspace.bulkhead(["relay", "breaker", "list", "--json"])
        let open = try #require(try JSONSerialization.jsonObject(with: Data(breakers.stdout.utf8)) as? [[String: Any]])
        #expect(open.map { $0["sender"] as? String } == ["user script"], "\(breakers.stdout)")
        let heldNow = try await workspace.bulkhead(["hold", "list", "--json"])
        let heldScript = try #require(try JSONSerialization.jsonObject(with: Data(heldNow.stdout.utf8)) as? [[String: Any]])
        #expect(heldScript.count == 500 - scripted, "the rest is held, not lost")
        // Closing it needs an approver; then the script's new mail passes.
        let closed = try await workspace.start(["relay", "breaker", "close", "script", "--as", "ann"], environment: Self.ann)
            .finish(timeout: .seconds(60))
        #expect(closed.status == 0, "\(closed.summary)")

        // A smuggling attempt: a bare-LF end of data with a second transaction inside DATA.
        let smuggled = try await Self.smuggle(port: port)
        #expect(!smuggled.contains("smuggled-second"), "\(smuggled)")
        try await Task.sleep(for: .seconds(1))
        #expect(try sink.records().filter { $0.rcpts.contains("victim2@\(Workspace.fromDomain)") }.isEmpty, "no second message")
    }

    /// Issue 10's "250 only after the message is durable" for the relay: 20 times (seeded), a message is
    /// submitted and `serve` is SIGKILLed at a random moment right after the client got its 250; a new
    /// `serve` starts each time. Every acknowledged message is in the store and ends sent (and at the sink)
    /// or uncertain (killed between its claim and its outcome): never silently lost.
    @Test(arguments: Backend.allCases)
    func aSIGKILLRightAfterThe250LosesNothing(backend: Backend) async throws {
        let rounds = 20
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root)
        let relayPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: sink.port)
        settings.extraYAML = "relay:\n  listen: [\"127.0.0.1:\(relayPort)\"]\n"
        try workspace.writeConfiguration(settings)
        do {
            var generator = SeededGenerator(seed: 11)
            for index in 0..<rounds {
                let serve = try workspace.start(["serve", "--interval", "5"])
                try await Loopback.waitForListener(port: relayPort, process: serve)
                let file = workspace.root.appendingPathComponent("m\(index).eml")
                try "From: A <a@\(Workspace.fromDomain)>\nTo: p\(index)@rcpt.e2e.example\nSubject: round \(index)\n\nbody \(index)\n".write(
                    to: file, atomically: true, encoding: .utf8)
                let answer = try await Self.submit(
                    workspace, port: relayPort, from: "a@\(Workspace.fromDomain)", to: ["p\(index)@rcpt.e2e.example"], file: file.path)
                #expect(answer.hasPrefix("250"), "\(answer)")
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...20, using: &generator)))
                serve.signal(SIGKILL)
                _ = try await serve.wait(timeout: .seconds(10))
            }
            let serve = try workspace.start(["serve", "--interval", "0.2"])
            try await Loopback.waitForListener(port: relayPort, process: serve)
            // Every recipient reaches a final state: sent, or uncertain when a kill came between its claim
            // and its outcome (it may have arrived; never sent twice without a person).
            var recipients: [RelayRecipient] = []
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            repeat {
                try await Task.sleep(for: .milliseconds(200))
                recipients = try await workspace.withStore { store in
                    try await store.relayMessages(states: nil, before: nil, limit: 100).flatMap(\.recipients)
                }
            } while !(recipients.count == rounds && recipients.allSatisfy { $0.state.isFinal }) && ContinuousClock.now < deadline
            serve.signal(SIGINT)
            _ = try await serve.finish(timeout: .seconds(60))
            #expect(recipients.count == rounds, "every acknowledged message is on record")
            #expect(recipients.allSatisfy { $0.state == .sent || $0.state == .uncertain }, "\(recipients.map(\.state))")
            let arrived = Set(try sink.records().flatMap(\.rcpts))
            let sent = Set(recipients.filter { $0.state == .sent }.map(\.address))
            #expect(arrived.isSuperset(of: sent), "a recipient recorded sent is at the sink: missing \(sent.subtracting(arrived).sorted())")
            // How many kills land between a claim and its outcome depends on the machine's load, so the count
            // is not asserted; what is asserted is that each uncertain recipient was claimed exactly once and
            // made uncertain by the restart's recovery, nothing else (the conformance suite checks that
            // recovery leaves queued recipients alone).
            let uncertain = recipients.filter { $0.state == .uncertain }
            #expect(
                uncertain.allSatisfy { $0.attempts == 1 && $0.lastReply?.text == "interrupted while sending" },
                "\(uncertain.map { "\($0.address): \($0.attempts) attempts, \($0.lastReply?.text ?? "no reply")" })")
            #expect(
                recipients.filter { $0.state == .sent }.allSatisfy { $0.attempts == 1 },
                "an acknowledged message is claimed once: \(recipients.map(\.attempts))")
        } catch {
            await workspace.discard()
            throw error
        }
        await workspace.discard()
    }

    // MARK: Clients

    static func submit(
        _ workspace: Workspace, port: Int, from: String, to: [String], file: String, count: Int = 1, user: String? = nil
    ) async throws -> String {
        var arguments = ["127.0.0.1", "\(port)", from, to.joined(separator: ","), file, "\(count)"]
        if let user { arguments += [user, "\(user)-pw"] }
        return try await Python.run(name: "relay-submit", script: try Fixtures.file("relay_submit.py"), arguments: arguments, in: workspace.root)
    }

    static func swaks(_ workspace: Workspace, port: Int, from: String, to: String, file: String) async throws -> CommandResult {
        let child = try ChildProcess(
            name: "swaks", executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["swaks", "--server", "127.0.0.1", "--port", "\(port)", "--from", from, "--to", to, "--data", "@\(file)"],
            directory: workspace.root, logPrefix: workspace.root.appendingPathComponent("swaks-\(UUID().uuidString.prefix(6))").path)
        return try await child.finish(timeout: .seconds(60))
    }

    /// Speaks SMTP by hand: one message whose data holds `<LF>.<LF>` and a second transaction; returns
    /// everything the server answered.
    static func smuggle(port: Int) async throws -> String {
        let script = """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", \(port)), timeout=30)
            def send(b):
                s.sendall(b)
                time.sleep(0.2)
            out = b""
            send(b"EHLO smuggler.example\\r\\n")
            send(b"MAIL FROM:<a@\(Workspace.fromDomain)>\\r\\nRCPT TO:<victim1@\(Workspace.fromDomain)>\\r\\nDATA\\r\\n")
            send(b"Subject: first\\r\\n\\r\\nhello\\n.\\nMAIL FROM:<a@\(Workspace.fromDomain)>\\r\\nRCPT TO:<victim2@\(Workspace.fromDomain)>\\r\\nDATA\\r\\nSubject: smuggled-second\\r\\n\\r\\nx\\r\\n.\\r\\nQUIT\\r\\n")
            s.settimeout(5)
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except Exception:
                pass
            sys.stdout.write(out.decode(errors="replace"))
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smuggle-\(UUID().uuidString).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await Python.run(name: "smuggle", script: file, arguments: [], in: FileManager.default.temporaryDirectory)
    }

    static func waitUntil(timeout: Duration, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw E2EError("timed out after \(timeout)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
