import BulkheadSMTP
import BulkheadTestSupport
import Foundation
import Testing

/// The server on 127.0.0.1 with real clients: Python's smtplib and swaks.
@Suite("SMTP server with real clients")
struct SMTPServerPeerTests {
    static var script: URL {
        get throws { try Peers.fixtures.appendingPathComponent("smtplib_client.py") }
    }

    /// Runs smtplib through `steps`; returns one JSON result per step.
    static func smtplib(port: Int, cafile: String? = nil, _ steps: [[Any]]) async throws -> [Any] {
        var request: [String: Any] = ["port": port, "steps": steps]
        if let cafile { request["cafile"] = cafile }
        let input = try JSONSerialization.data(withJSONObject: request)
        let script = try script
        // the process is waited for off the cooperative pool: the server's delegate runs there
        let output = try await offThePool { try PythonPeer.run(script, input: input, needs: "smtplib and ssl (standard library)") }
        let result = try JSONSerialization.jsonObject(with: output)
        guard let list = result as? [Any], list.count == steps.count else { throw PeerError(description: "unexpected smtplib output \(result)") }
        return list
    }

    static func reply(_ value: Any) -> (Int, String)? {
        guard let pair = value as? [Any], pair.count == 2, let code = pair[0] as? Int, let text = pair[1] as? String else { return nil }
        return (code, text)
    }

    static func swaks() throws -> String {
        for path in ["/usr/bin/swaks", "/usr/local/bin/swaks"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw PeerError(description: "swaks not found: install Debian's swaks (source scripts/test-deps/smtp.sh)")
    }

    @Test func smtplibSendsAndTheRelayRuleApplies() async throws {
        try await LoopbackServer.with { loopback in
            let message = "Subject: hello\r\nFrom: a@client.test\r\n\r\n.leading dot\r\nline two\r\n"
            let results = try await Self.smtplib(
                port: loopback.port,
                [["ehlo"], ["sendmail", "a@client.test", ["b@rcpt.test", "c@elsewhere.test"], message], ["quit"]])
            #expect(
                results[0] as? [String] == ["8bitmime", "enhancedstatuscodes", "pipelining", "size", "smtputf8"],
                "no STARTTLS without a certificate, no AUTH without TLS")
            let refused = (results[1] as? [String: Any])?["refused"] as? [String: [Any]]
            #expect(refused?["c@elsewhere.test"]?.first as? Int == 550)
            #expect(refused?["c@elsewhere.test"]?.last as? String == "5.7.1 Relaying denied")
            let stored = loopback.inbox.messages
            #expect(stored.count == 1)
            #expect(stored.first?.message.envelope.recipients == ["b@rcpt.test"])
            #expect(stored.first?.message.envelope.reversePath == "a@client.test")
            #expect(stored.first?.message.bytes == Array(message.utf8), "dot-stuffed by smtplib, unstuffed by the server: the same bytes")
            #expect(stored.first?.session.heloName == "client.test")
            #expect(Self.reply(results[2])?.0 == 221)
        }
    }

    @Test func smtplibStartTLSThenAuthPlain() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let tls = try SMTPServerTLS(certificateChainFile: certificate.certificatePath, privateKeyFile: certificate.keyPath)
        try await LoopbackServer.with(LoopbackServer.configuration { $0.tls = tls }) { loopback in
            let results = try await Self.smtplib(
                port: loopback.port, cafile: certificate.certificatePath,
                [
                    ["ehlo"], ["docmd", "AUTH", "PLAIN AGFkYQBzZWNyZXQ="], ["starttls"], ["ehlo"], ["login", "ada", "wrong"],
                    ["login", "ada", "secret"], ["sendmail", "a@client.test", ["b@rcpt.test"], "Subject: tls\r\n\r\nhi\r\n"], ["quit"],
                ])
            #expect(results[0] as? [String] == ["8bitmime", "enhancedstatuscodes", "pipelining", "size", "smtputf8", "starttls"])
            #expect(Self.reply(results[1])?.0 == 538, "AUTH before TLS is refused: \(results[1])")
            #expect(Self.reply(results[2])?.0 == 220)
            #expect(results[3] as? [String] == ["8bitmime", "auth", "enhancedstatuscodes", "pipelining", "size", "smtputf8"])
            #expect((results[4] as? [String: Any])?["code"] as? Int == 535)
            #expect(results[5] as? String == "ok")
            let stored = loopback.inbox.messages
            #expect(stored.count == 1)
            #expect(stored.first?.session.isTLSActive == true && stored.first?.session.authenticatedUser == "ada")
        }
    }

    @Test func smtplibSizeLimit() async throws {
        try await LoopbackServer.with(LoopbackServer.configuration { $0.limits.maximumMessageSize = 1000 }) { loopback in
            let big = "Subject: big\r\n\r\n" + String(repeating: String(repeating: "x", count: 78) + "\r\n", count: 30)
            let results = try await Self.smtplib(
                port: loopback.port,
                [
                    ["ehlo"], ["sendmail", "a@client.test", ["b@rcpt.test"], big],
                    // without SIZE=: the whole message is read, then refused
                    ["docmd", "MAIL", "FROM:<a@client.test>"], ["docmd", "RCPT", "TO:<b@rcpt.test>"], ["docmd", "DATA"],
                    ["send", big + ".\r\n"], ["getreply"], ["docmd", "NOOP"],
                ])
            let refusedAtMail = results[1] as? [String: Any]
            #expect(refusedAtMail?["error"] as? String == "SMTPSenderRefused" && refusedAtMail?["code"] as? Int == 552)
            #expect(Self.reply(results[6])?.0 == 552 && Self.reply(results[6])?.1 == "5.3.4 Message size exceeds fixed maximum message size")
            #expect(Self.reply(results[7])?.0 == 250)
            #expect(loopback.inbox.messages.isEmpty)
        }
    }

    /// smtplib repairs line ends in what `sendmail` gets, so the raw bytes go through its `send`.
    @Test func smtplibBareLFAndSmugglingAreRefused() async throws {
        try await LoopbackServer.with { loopback in
            let smuggled =
                "Subject: one\r\n\r\nfirst\n.\nMAIL FROM:<evil@client.test>\r\nRCPT TO:<victim@rcpt.test>\r\nDATA\r\n"
                + "Subject: two\r\n\r\nsmuggled\r\n.\r\n"
            let results = try await Self.smtplib(
                port: loopback.port,
                [
                    ["ehlo"], ["docmd", "MAIL", "FROM:<a@client.test>"], ["docmd", "RCPT", "TO:<b@rcpt.test>"], ["docmd", "DATA"],
                    ["send", smuggled], ["getreply"], ["docmd", "NOOP"],
                    ["send", "NOOP\nRSET\r\n"], ["getreply"],
                    ["docmd", "MAIL", "FROM:<a@client.test>"], ["docmd", "RCPT", "TO:<b@rcpt.test>"], ["docmd", "DATA"],
                    ["send", "a\r.\rb\r\n.\r\n"], ["getreply"], ["quit"],
                ])
            #expect(Self.reply(results[3])?.0 == 354)
            #expect(Self.reply(results[5])?.0 == 550, "\(results[5])")
            #expect(Self.reply(results[5])?.1.contains("bare LF") == true)
            #expect(Self.reply(results[6])?.0 == 250, "in step: the smuggled commands got no replies")
            #expect(Self.reply(results[8])?.0 == 500 && Self.reply(results[8])?.1.contains("bare LF") == true)
            #expect(Self.reply(results[13])?.0 == 550 && Self.reply(results[13])?.1.contains("bare CR") == true)
            #expect(loopback.inbox.messages.isEmpty, "neither the message nor a smuggled second one was stored")
        }
    }

    @Test func swaksPlainPipelinedAndAuthAfterTLS() async throws {
        let swaks = try Self.swaks()
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let tls = try SMTPServerTLS(certificateChainFile: certificate.certificatePath, privateKeyFile: certificate.keyPath)
        try await LoopbackServer.with(LoopbackServer.configuration { $0.tls = tls }) { loopback in
            let server = "127.0.0.1:\(loopback.port)"
            let base = [swaks, "--server", server, "--helo", "swaks.test", "--from", "a@client.test", "--timeout", "20"]

            let plain = try await runPeer(base + ["--to", "one@rcpt.test", "--header", "Subject: plain"])
            #expect(plain.status == 0, "\(plain.output)")
            let pipelined = try await runPeer(base + ["--to", "two@rcpt.test,three@rcpt.test", "--pipeline", "--header", "Subject: pipelined"])
            #expect(pipelined.status == 0, "\(pipelined.output)")
            #expect(pipelined.output.contains("PIPELINING"))
            let relay = try await runPeer(base + ["--to", "x@elsewhere.test"])
            #expect(relay.status != 0 && relay.output.contains("550 5.7.1 Relaying denied"), "\(relay.output)")
            let authWithoutTLS = try await runPeer(
                base + ["--to", "four@rcpt.test", "--auth", "PLAIN", "--auth-user", "ada", "--auth-password", "secret"])
            #expect(authWithoutTLS.status != 0, "AUTH is not offered before TLS: \(authWithoutTLS.output)")
            let auth = try await runPeer(
                base + [
                    "--to", "five@rcpt.test", "--tls", "--auth", "PLAIN", "--auth-user", "ada", "--auth-password", "secret", "--header",
                    "Subject: auth",
                ])
            #expect(auth.status == 0, "\(auth.output)")
            #expect(auth.output.contains("235 2.7.0"))
            let login = try await runPeer(
                base + ["--to", "six@rcpt.test", "--tls", "--auth", "LOGIN", "--auth-user", "ada", "--auth-password", "secret"])
            #expect(login.status == 0 && login.output.contains("334 UGFzc3dvcmQ6"), "\(login.output)")
            let wrong = try await runPeer(
                base + ["--to", "seven@rcpt.test", "--tls", "--auth", "LOGIN", "--auth-user", "ada", "--auth-password", "guess"])
            #expect(wrong.status != 0 && wrong.output.contains("535 5.7.8"), "\(wrong.output)")

            let stored = loopback.inbox.messages
            #expect(
                stored.map(\.message.envelope.recipients) == [
                    ["one@rcpt.test"], ["two@rcpt.test", "three@rcpt.test"], ["five@rcpt.test"], ["six@rcpt.test"],
                ])
            #expect(stored.last?.session.authenticatedUser == "ada" && stored.last?.session.isTLSActive == true)
            #expect(stored.first?.session.heloName == "swaks.test")
        }
    }

    /// swaks with its data fixups off sends the bytes as given: `<LF>.<LF>` and a second transaction
    /// inside DATA. At most one message may come of it; here none, as the one is refused.
    @Test func swaksSmugglingAttempt() async throws {
        let swaks = try Self.swaks()
        try await LoopbackServer.with { loopback in
            let data =
                "Subject: one\r\n\r\nfirst\n.\nMAIL FROM:<evil@client.test>\r\nRCPT TO:<victim@rcpt.test>\r\nDATA\r\n"
                + "Subject: smuggled\r\n\r\nsecond\r\n.\r\n"
            let result = try await runPeer([
                swaks, "--server", "127.0.0.1:\(loopback.port)", "--from", "a@client.test", "--to", "b@rcpt.test", "--timeout", "20",
                "--no-data-fixup", "--data", data,
            ])
            #expect(result.output.contains("550 5.6.0 Message refused: bare LF"), "\(result.output)")
            #expect(loopback.inbox.messages.isEmpty)
            #expect(!result.output.contains("250 2.0.0 Ok: queued"))
        }
    }
}
