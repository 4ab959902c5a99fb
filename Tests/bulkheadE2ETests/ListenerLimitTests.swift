import Foundation
import Testing

/// `relay.max_connections`, `relay.max_connections_per_client`, `inbound.max_connections` and
/// `inbound.max_connections_per_client` bound `serve`'s SMTP sessions: the session over a limit gets
/// `421` at connect, and the ones within it their greeting.
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
              max_connections: 2
              max_connections_per_client: 2
            inbound:
              listen: ["127.0.0.1:\(inboundPort)"]
              max_connections: 3
              max_connections_per_client: 1

            """
        try workspace.writeConfiguration(settings)
        // Opens sessions one after the other, keeping every one open, and prints each one's first reply code.
        let script = workspace.root.appendingPathComponent("sessions.py")
        try """
        import socket, sys
        port, count = int(sys.argv[1]), int(sys.argv[2])
        sessions, codes = [], []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            sessions.append(s)
            codes.append(s.makefile("rb").readline()[:3].decode())
        print(" ".join(codes))
        """.write(to: script, atomically: true, encoding: .utf8)
        _ = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "5"]) { serve in
            try await Loopback.waitForListener(port: relayPort, process: serve)
            try await Loopback.waitForListener(port: inboundPort, process: serve)
            let relay = try await Python.run(name: "relay-sessions", script: script, arguments: ["\(relayPort)", "3"], in: workspace.root)
            #expect(relay.trimmingCharacters(in: .whitespacesAndNewlines) == "220 220 421")
            let inbound = try await Python.run(name: "inbound-sessions", script: script, arguments: ["\(inboundPort)", "2"], in: workspace.root)
            #expect(inbound.trimmingCharacters(in: .whitespacesAndNewlines) == "220 421")
        }
    }
}
