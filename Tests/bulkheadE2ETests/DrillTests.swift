import Foundation
import Testing

/// Issue 11's proof with the real binary: `bulkhead drill` on the default configuration reports no
/// harm (exit 0) and leaves the configured data directory alone; with the relay's exposure hold
/// loosened it reports the 60 copies and 60 exposed customers it lets through (exit 1); a
/// configuration that cannot be read is exit 2.
@Suite("End to end: drill", .serialized)
struct DrillEndToEndTests {
    /// The stories of `--json`, by id.
    static func stories(_ result: CommandResult) throws -> (report: [String: Any], byID: [String: [String: Any]]) {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.summary)")
        let stories = try #require(report["stories"] as? [[String: Any]])
        return (report, Dictionary(uniqueKeysWithValues: stories.map { ($0["id"] as? String ?? "", $0) }))
    }

    /// Runs `body` in a new SQLite workspace, discarded afterwards.
    static func withWorkspace(_ body: (Workspace) async throws -> Void) async throws {
        let workspace = try await Workspace(.sqlite)
        do {
            try await body(workspace)
            await workspace.discard()
        } catch {
            await workspace.discard()
            throw error
        }
    }

    @Test func theDefaultConfigurationLetsNoHarmThrough() async throws {
        try await Self.withWorkspace { workspace in
            let result = try await workspace.start(["drill", "--json"]).finish(timeout: .seconds(300))
            #expect(result.status == 0, "\(result.summary)")
            let (report, stories) = try Self.stories(result)
            #expect(report["harmful"] as? Bool == false && report["messagesLeft"] as? Int == 0 && report["peopleExposed"] as? Int == 0)
            for id in ["000", "001", "002", "003", "004"] {
                #expect(stories[id]?["messagesLeft"] as? Int == 0 && stories[id]?["peopleExposed"] as? Int == 0, "\(id): \(result.stdout)")
                #expect((stories[id]?["guardrail"] as? String).map { $0 != "none" } ?? false, "\(id) names what stopped it")
            }
            #expect(
                !FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(".bulkhead").path), "the real store is never opened")
        }
    }

    @Test func aLoosenedExposureHoldShowsTheHarmAndExits1() async throws {
        try await Self.withWorkspace { workspace in
            try "relay: {exposure_hold_recipients: 1000}\n".write(
                to: workspace.root.appendingPathComponent("bulkhead.yaml"), atomically: true, encoding: .utf8)
            let json = try await workspace.start(["drill", "--json"]).finish(timeout: .seconds(300))
            #expect(json.status == 1, "\(json.summary)")
            let (report, stories) = try Self.stories(json)
            #expect(report["harmful"] as? Bool == true && report["messagesLeft"] as? Int == 60 && report["peopleExposed"] as? Int == 60)
            #expect(
                stories["002"]?["messagesLeft"] as? Int == 60 && stories["002"]?["peopleExposed"] as? Int == 60
                    && stories["002"]?["guardrail"] as? String == "none")
            let table = try await workspace.start(["drill"]).finish(timeout: .seconds(300))
            #expect(table.status == 1, "\(table.summary)")
            #expect(table.stdout.contains("HARM got through: 60 message(s) left, 60 people exposed (002)"), "\(table.stdout)")
            #expect(table.stdout.contains("000") && table.stdout.contains("backlog-safe auto-responder"), "\(table.stdout)")
        }
    }

    @Test func aConfigurationThatCannotBeReadIsExit2() async throws {
        try await Self.withWorkspace { workspace in
            try "guardrails: {undo_seconds: -1}\n".write(to: workspace.root.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
            let result = try await workspace.start(["drill", "--config", "bad.yaml"]).finish(timeout: .seconds(60))
            #expect(result.status == 2 && result.stderr.contains("undo_seconds"), "\(result.summary)")
        }
    }
}
