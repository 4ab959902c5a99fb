import Foundation
import Testing

/// `bulkhead bench relay-latency` works end to end (its figures are printed, never asserted): every
/// message submitted straight to the probe's own sink arrives once and is counted in the histogram.
@Suite struct RelayLatencyBenchTests {
    @Test func everyMessageArrivesAndIsTimed() throws {
        let result = try CLIRunner.run([
            "bench", "relay-latency", "--messages", "40", "--sessions", "4", "--rate", "400", "--size", "4096",
            "--messages-per-connection", "7", "--timeout", "60", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["via"] as? String == "direct")
        #expect(report["submitted"] as? Int == 40)
        #expect(report["arrived"] as? Int == 40)
        #expect(report["lost"] as? Int == 0)
        #expect(report["refused"] as? Int == 0)
        #expect(report["duplicates"] as? Int == 0)
        #expect(report["strays"] as? Int == 0)
        let p50 = try #require(report["p50Ms"] as? Double)
        let maximum = try #require(report["maxMs"] as? Double)
        #expect(p50 > 0 && p50 <= maximum)
    }

    @Test func refusesAViaWithoutAFixedSinkPort() throws {
        let result = try CLIRunner.run(["bench", "relay-latency", "--via", "127.0.0.1:2525"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--via needs a fixed --sink-port"))
    }
}
