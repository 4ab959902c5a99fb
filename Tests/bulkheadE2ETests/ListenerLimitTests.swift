import Foundation
import Testing

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
