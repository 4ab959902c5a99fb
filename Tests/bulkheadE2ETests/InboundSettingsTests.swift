import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

/// Non-default `inbound.domains` and `bounces:` through the configuration file and `serve`: the
/// listener takes mail only for the configured domain (the identity's domains then get `550 5.7.1`),
/// and `bounces.soft_limit: 1` makes one soft bounce suppress the address.
@Suite("End to end: inbound.domains and bounces settings", .serialized)
struct InboundSettingsEndToEndTests {
    @Test func theConfiguredDomainAndSoftLimitAreTheOnesUsed() async throws {
        let workspace = try await Workspace(.sqlite)
        let smtpPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = """
            inbound:
              listen: ["127.0.0.1:\(smtpPort)"]
              domains: [returns.e2e.example]
            bounces: {soft_limit: 1, soft_days: 30}

            """
        try workspace.writeConfiguration(settings)
        let overQuota = BulkheadBinary.repositoryRoot.appendingPathComponent("Tests/BulkheadMailTests/Fixtures/dsn/gmail-over-quota.eml").path
        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            let addresses = try await workspace.importThroughCLI(list: "news", count: 2)
            let campaign = try await workspace.createCampaign(list: "news")
            try await workspace.bulkhead(["campaign", "send", "\(campaign)", "--force"])
            try await Loopback.waitForListener(port: smtpPort, process: serve)
            let tokens = Dictionary(uniqueKeysWithValues: try await workspace.ledger(campaign).map { ($0.address.value, $0.verpToken) })
            let first = try #require(tokens[addresses[0]])
            let second = try #require(tokens[addresses[1]])
            // The identity's own domain is not listed: refused, never filed.
            let refused = try await InboundEndToEndTests.swaks(
                workspace, port: smtpPort, to: "bounces+\(second)@\(Workspace.fromDomain)", file: overQuota)
            #expect(refused.status != 0 && refused.stdout.contains("550 5.7.1"), "\(refused.summary)")
            // The configured domain: filed; one soft bounce reaches the soft limit of 1.
            try await InboundEndToEndTests.submit(workspace, port: smtpPort, to: "bounces+\(first)@returns.e2e.example", file: overQuota)
            try await workspace.withStore { store in
                let entry = try #require(try await store.ledgerEntry(verpToken: first))
                #expect(entry.bounce?.kind == .soft)
                let suppressed = Set(try await store.suppressions(after: nil, limit: 100).map(\.address.value))
                #expect(suppressed == [addresses[0]], "one soft bounce suppresses at soft_limit 1; the refused one changed nothing")
                #expect(try await store.ledgerEntry(verpToken: second)?.bounce == nil)
            }
        }
        #expect(stopped.status == 0, "\(stopped.summary)")
    }
}
