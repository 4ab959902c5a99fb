import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `relay.max_connections`, `relay.max_connections_per_client`, `inbound.max_connections` and
/// `inbound.max_connections_per_client` bound `serve`'s SMTP sessions: the session over a limit gets
/// `421` at connect, and the ones within it their greeting. Sessions come from several loopback
/// addresses (127.0.0.1, .2, .3), so the limit per client and the total are each seen to bind: with a
/// total of 3 and 2 per client, the third session from 127.0.0.1 is refused (per client), one from
/// 127.0.0.2 is taken (the third in all), and one from 127.0.0.3 is refused (the total).
@Suite(.serialized) struct ListenerLimitTests {
    @Test func aSessionOverAListenersLimitGets421() async throws {
        let workspace = try await Workspace(.sqlite)
        let relayPort = try Loopback.freePort()
        let inboundPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = """
            relay:
              listen: ["127.0.0.1:\(relayPort)"]
              max_connections: 3
              max_connections_per_client: 2
            inbound:
              listen: ["127.0.0.1:\(inboundPort)"]
              max_connections: 3
              max_connections_per_client: 2

            """
        try workspace.writeConfiguration(settings)
        // Opens a session from each given source address in turn, keeping every one open, and prints
        // each one's first reply code.
        let script = workspace.root.appendingPathComponent("sessions.py")
        try """
        import socket, sys
        port, sources = int(sys.argv[1]), sys.argv[2:]
        sessions, codes = [], []
        for source in sources:
            s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
            sessions.append(s)
            codes.append(s.makefile("rb").readline()[:3].decode())
        print(" ".join(codes))
        """.write(to: script, atomically: true, encoding: .utf8)
        let sources = ["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.3"]
        _ = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "5"]) { serve in
            try await Loopback.waitForListener(port: relayPort, process: serve)
            try await Loopback.waitForListener(port: inboundPort, process: serve)
            for (name, port) in [("relay", relayPort), ("inbound", inboundPort)] {
                let codes = try await Python.run(name: "\(name)-sessions", script: script, arguments: ["\(port)"] + sources, in: workspace.root)
                #expect(codes.trimmingCharacters(in: .whitespacesAndNewlines) == "220 220 421 220 421", "\(name)")
            }
        }
    }
}

/// `serve` fits its open-file limit to the configured connections: below what they need, it raises
/// the soft limit to the hard one, and warns when even the hard one is short (`prlimit` starts it
/// with low limits).
@Suite(.serialized) struct OpenFileLimitTests {
    func serve(limits: String, in workspace: Workspace, port: Int) async throws -> (limit: UInt64?, stderr: String) {
        let serve = try ChildProcess(
            name: "prlimit serve", executable: URL(fileURLWithPath: "/usr/bin/prlimit"),
            arguments: ["--nofile=\(limits)", BulkheadBinary.executable.path, "serve", "--config", workspace.configPath],
            directory: workspace.root,
            logPrefix: workspace.root.appendingPathComponent("serve-\(limits.replacingOccurrences(of: ":", with: "-"))").path)
        do {
            try await Loopback.waitForListener(port: port, process: serve)
            // prlimit executes serve in its own process: the limits file is serve's.
            let limits = try String(contentsOfFile: "/proc/\(serve.pid)/limits", encoding: .utf8)
            let words = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }?.split(separator: " ") ?? []
            serve.signal(SIGINT)
            let result = try await serve.finish(timeout: .seconds(60))
            #expect(result.status == 0, "\(result.summary)")
            return (words.count > 3 ? UInt64(words[3]) : nil, result.stderr)
        } catch {
            serve.signal(SIGKILL)
            _ = try? await serve.finish(timeout: .seconds(10))
            throw error
        }
    }

    @Test func theSoftLimitIsRaisedToTheHardOneOrAWarningSaysWhy() async throws {
        var own = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &own) == 0, UInt64(own.rlim_max) >= 5_000,
            FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")
        else {
            print("OpenFileLimitTests: skipped (needs /usr/bin/prlimit and a hard open-file limit of 5000 or more)")
            return
        }
        let workspace = try await Workspace(.sqlite)
        let relayPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = "relay:\n  listen: [\"127.0.0.1:\(relayPort)\"]\n  max_connections: 1000\n  max_connections_per_client: 1000\n"
        try workspace.writeConfiguration(settings)
        // 1,000 relay sessions and 256 kept: 1,256 needed; the soft limit goes to the hard one.
        let raised = try await serve(limits: "300:5000", in: workspace, port: relayPort)
        #expect(raised.limit == 5_000)
        #expect(!raised.stderr.contains("open-file limit"), "\(raised.stderr)")
        let short = try await serve(limits: "300:300", in: workspace, port: relayPort)
        #expect(short.limit == 300)
        #expect(
            short.stderr.contains("warning: the open-file limit (300, the hard limit) is below what the configured connections need (1256"),
            "\(short.stderr)")
        await workspace.discard()
    }
}
