import BulkheadTestSupport
import Foundation
import Testing

/// `bulkhead stop --all` reaches the guard relay through `serve`: while it holds, submitted mail is
/// accepted, filed as held (reason `stopped`) and nothing goes to the upstream (not even a notice to
/// the sender); lifting the stop does not send it by itself, a release does.
@Suite("End to end: the emergency stop and the guard relay", .serialized)
struct RelayStopEndToEndTests {
    @Test(arguments: Backend.allCases)
    func whileTheStopHoldsRelayedMailIsHeldAndNothingGoesOut(backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root)
        let relayPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: sink.port)
        settings.extraYAML = "relay:\n  listen: [\"127.0.0.1:\(relayPort)\"]\n"
        try workspace.writeConfiguration(settings)
        let note = workspace.root.appendingPathComponent("note.eml")
        try "From: Reports <reports@\(Workspace.fromDomain)>\nTo: ops@rcpt.e2e.example\nSubject: nightly report\n\nall good\n".write(
            to: note, atomically: true, encoding: .utf8)
        func submit() async throws -> String {
            try await RelayEndToEndTests.submit(
                workspace, port: relayPort, from: "reports@\(Workspace.fromDomain)", to: ["ops@rcpt.e2e.example"], file: note.path)
        }
        func relayed() throws -> Int { try sink.records().filter { $0.rcpts == ["ops@rcpt.e2e.example"] }.count }
        func held() async throws -> [[String: Any]] {
            let list = try await workspace.bulkhead(["hold", "list", "--json"])
            return try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        }
        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await Loopback.waitForListener(port: relayPort, process: serve)
            // Before the stop: relayed.
            #expect(try await submit().hasPrefix("250"))
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(60)) { (try? relayed()) == 1 }

            let stop = try await workspace.bulkhead(["stop", "--all", "--reason", "drill"])
            #expect(stop.status == 0, "\(stop.summary)")
            #expect(try await submit().hasPrefix("250"), "accepted: the sender's mail is kept, not refused")
            let during = try await held()
            #expect(during.count == 1 && during.first?["hold_reason"] as? String == "stopped", "\(during)")
            try await Task.sleep(for: .seconds(2))
            #expect(try relayed() == 1, "nothing of it goes out while the stop holds")
            let notices = try sink.records().filter { $0.rcpts == ["reports@\(Workspace.fromDomain)"] }
            #expect(notices.isEmpty, "not even the sender's notice leaves while the stop holds: \(notices)")

            let release = try await workspace.bulkhead(["stop", "--release"])
            #expect(release.status == 0, "\(release.summary)")
            try await Task.sleep(for: .seconds(2))
            #expect(try relayed() == 1, "lifting the stop releases nothing by itself")
            let id = try #require((during.first?["id"] as? NSNumber)?.int64Value)
            let released = try await workspace.bulkhead(["hold", "release", "\(id)"])
            #expect(released.status == 0, "\(released.summary)")
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(60)) { (try? relayed()) == 2 }
            #expect(try await held().isEmpty)
        }
        #expect(stopped.status == 0, "\(stopped.summary)")
    }
}
