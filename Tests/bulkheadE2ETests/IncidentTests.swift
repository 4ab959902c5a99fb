import BulkheadStore
import Foundation
import Testing

/// Issue 9's proof for incident response: abort mid-send, then the report's delivered list equals,
/// address for address, what the sink received; the follow-up reaches exactly those addresses (minus
/// one who opted out since) once each, and a second run sends nothing.
@Suite("End to end: incident report and follow-up after an abort", .serialized)
struct IncidentEndToEndTests {
    static let recipients = 3_000

    @Test("abort mid-send; report's delivered CSV = the sink; follow-up once each; second run sends 0", arguments: Backend.allCases)
    func reportAndFollowUpAfterAbort(_ backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root, delay: .milliseconds(5))
        do {
            try await run(workspace, sink)
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink) async throws {
        _ = try await workspace.generateDKIMKey()
        // SendSettings' default guardrails keep the undo window, approval, confirmation and canary out of the way.
        try workspace.writeConfiguration(SendSettings(upstreamPort: sink.port, concurrency: 4, batchSize: 10, maxConnections: 4, dkim: true))
        try await workspace.populate(list: "big", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "big")

        let sender = try workspace.start(["campaign", "send", "\(id)"])
        let deadline = ContinuousClock.now + .seconds(120)
        while sender.isRunning && sink.count() < 300 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(sender.isRunning && sink.count() >= 300, "the send did not get going: \(sender.output.summary)")
        try await workspace.bulkhead(["campaign", "abort", "\(id)", "--reason", "wrong list"])
        try #require(try await sender.wait(timeout: .seconds(30)) != nil, "the sender still runs 30 s after the abort")

        let received = try sink.records().flatMap(\.rcpts)
        #expect(received.count < Self.recipients, "the abort stopped nothing")

        // The report's delivered list is what the sink received, address for address.
        let csv = workspace.root.appendingPathComponent("recipients.csv")
        let report = try await workspace.bulkhead(["incident", "report", "\(id)", "--format", "json", "--recipients", csv.path])
        let mode = try FileManager.default.attributesOfItem(atPath: csv.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\r\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first == ["address", "outcome", "at"])
        #expect(rows.count == Self.recipients + 1, "one row per recipient")
        let delivered = Set(rows.dropFirst().filter { $0[1] == "delivered" }.map { $0[0] })
        #expect(delivered == Set(received), "delivered \(delivered.count) vs received \(Set(received).count)")
        #expect(received.count == Set(received).count, "nobody got two")
        #expect(Set(rows.dropFirst().map { $0[1] }).isSubset(of: ["delivered", "not-sent"]))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let toWhom = try #require(json["to_whom"] as? [String: Any])
        #expect(toWhom["delivered"] as? Int == delivered.count)
        #expect(toWhom["not_sent"] as? Int == Self.recipients - delivered.count)
        let when = try #require(json["when"] as? [String: Any])
        #expect((when["stops"] as? [[String: Any]])?.contains { ($0["what"] as? String)?.hasPrefix("aborted") == true } == true)

        // One who received it opts out; the follow-up goes to everyone else who received it, once each.
        let optedOut = try #require(delivered.sorted().first)
        try await workspace.bulkhead(["subscribers", "unsubscribe", optedOut, "--list", "big", "--source", "e2e"])
        try "We are sorry: please disregard our last message, {{first_name}}.\n".write(
            to: workspace.root.appendingPathComponent("apology.txt"), atomically: true, encoding: .utf8)
        let before = sink.count()
        let followUp = try await workspace.bulkhead(
            ["incident", "follow-up", "\(id)", "--subject", "Please disregard our last message", "--text", "apology.txt", "--json"])
        #expect(followUp.stderr.contains("for \(delivered.count - 1) recipient(s)"), "\(followUp.stderr)")
        let after = try sink.records().dropFirst(before).flatMap(\.rcpts)
        #expect(after.count == delivered.count - 1, "each once")
        #expect(Set(after) == delivered.subtracting([optedOut]))

        // A second run sends nothing and creates nothing.
        let second = try await workspace.bulkhead(
            ["incident", "follow-up", "\(id)", "--subject", "Please disregard our last message", "--text", "apology.txt"])
        #expect(second.stdout.contains("nothing to send"), "\(second.stdout)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(sink.count() == before + after.count)

        let final = try await workspace.bulkhead(["incident", "report", "\(id)", "--format", "json"])
        let finalJSON = try #require(try JSONSerialization.jsonObject(with: Data(final.stdout.utf8)) as? [String: Any])
        let followUps = try #require(finalJSON["follow_ups"] as? [[String: Any]])
        #expect(followUps.count == 1 && followUps.first?["delivered"] as? Int == delivered.count - 1)
        let finalToWhom = try #require(finalJSON["to_whom"] as? [String: Any])
        #expect(finalToWhom["opted_out_since"] as? Int == 1 && finalToWhom["follow_up_would_reach"] as? Int == 0)
    }
}
