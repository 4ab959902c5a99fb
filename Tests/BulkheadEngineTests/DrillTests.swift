import BulkheadMail
import BulkheadStore
import Foundation
import Testing

@testable import BulkheadEngine

/// `bulkhead drill` through the engine: the real stories on the default configuration let nothing
/// through; on loosened ones they measure exactly the harm that the rules then allow. Audiences are
/// smaller than the stories' where a test picks them (001's list, 003's sample).
@Suite struct DrillTests {
    /// The stories with test-sized audiences: 001 with 2,000 recipients, 003 with a 60-member sample.
    static let stories: [any DrillStory] = [
        HelpdeskBacklogStory(), MistakenCampaignStory(recipients: 2_000), ExposedNewsletterStory(), TestToHugeListStory(members: 60),
        NonCompliantCampaignStory(),
    ]

    static func configuration(_ yaml: String) throws -> BulkheadConfiguration {
        try BulkheadConfiguration.load(yaml: yaml, environment: [:])
    }

    /// A data directory holding only a DKIM key of the default From domain (`keys/s1.pem`, relative to
    /// it, as `bulkhead dkim keygen` writes it), and the configuration lines that name it: unsigned mail
    /// to a real upstream is refused, so a configuration that sends anything has a key.
    static func signed(_ yaml: String) throws -> (BulkheadConfiguration, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("keys"), withIntermediateDirectories: true)
        try DKIMKey.generate(.ed25519).pkcs8PEM.write(to: directory.appendingPathComponent("keys/s1.pem"), atomically: true, encoding: .utf8)
        let configuration = try Self.configuration(
            """
            data_directory: \(directory.path)
            dkim: {domain: localhost.localdomain, selector: s1, private_key_file: keys/s1.pem}
            \(yaml)
            """)
        return (configuration, directory)
    }

    static func result(_ report: DrillReport, _ id: String) throws -> DrillResult {
        try #require(report.stories.first { $0.id == id })
    }

    @Test func theDefaultConfigurationLetsNoHarmThrough() async throws {
        let report = try await Drill(configuration: BulkheadConfiguration(), stories: Self.stories).run()
        #expect(!report.harmful && report.messagesLeft == 0 && report.peopleExposed == 0, "\(report)")
        let story000 = try Self.result(report, "000")
        #expect(story000.guardrail.hasPrefix("backlog-safe auto-responder: the import recorded 7,000 messages without a reply"), "\(story000)")
        #expect(story000.guardrail.contains("a naive responder: 7,000 replies to"), "\(story000)")
        let story001 = try Self.result(report, "001")
        #expect(story001.guardrail == "preflight refused it (dkim.missing, audience.approval)", "\(story001)")
        #expect(try Self.result(report, "002").guardrail.contains("relay.exposure"))
        let story003 = try Self.result(report, "003")
        #expect(story003.guardrail.contains("list held the test"), "\(story003)")
        #expect(story003.scaledNote?.contains("a list of 1,000 members stands for 840,000") ?? false, "the storm's 1,000 sets the sample")
        #expect(try Self.result(report, "004").guardrail.contains("compliance.postal-address-unset"))
    }

    @Test func aLoosenedConfigurationShowsWhatItCosts() async throws {
        let (loosened, directory) = try Self.signed(
            """
            guardrails: {approval_recipients: 1000000, undo_seconds: 60, test_mail_error_recipients: 1000000}
            relay: {exposure_hold_recipients: 1000}
            lists: {moderate_from_members: 1000000, storm: {min_members: 1000000}}
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = try await Drill(configuration: loosened, stories: Self.stories).run()
        #expect(report.harmful)
        // 001: the window ends at t+60 s, the canary (1 % of 2,000, at least 100) goes, its hold outlasts the stop.
        let story001 = try Self.result(report, "001")
        #expect(story001.messagesLeft == 100 && story001.peopleExposed == 0, "\(story001)")
        #expect(story001.guardrail == "canary wave (100 sent), then its 600 s hold: aborted at t+120 s")
        // 002: the bulk undo window passes unrecalled; every customer sees the 59 others.
        let story002 = try Self.result(report, "002")
        #expect(story002.messagesLeft == 60 && story002.peopleExposed == 60 && story002.guardrail == "none", "\(story002)")
        // 003: the test and all 50 replies reach every one of 840,000.
        let story003 = try Self.result(report, "003")
        #expect(story003.messagesLeft == 51 * 840_000 && story003.guardrail == "none", "\(story003)")
        // 004: commercial mail without a postal address is an error towards an upstream, whatever the thresholds.
        #expect(!(try Self.result(report, "004")).isHarmful)
    }

    @Test func theStormBlockStopsTheReplyAllsAfterTen() async throws {
        let configuration = try Self.configuration(
            """
            guardrails: {test_mail_error_recipients: 1000000}
            lists: {moderate_from_members: 1000000, storm: {min_members: 50}}
            """)
        let result = try await TestToHugeListStory(members: 60).run(configuration)
        #expect(result.messagesLeft == 11 * 840_000, "the test and 10 replies: \(result)")
        #expect(result.guardrail == "reply-all storm block refused 40 replies", "\(result)")
    }

    @Test func theDrillJudgesAsTowardsAnUpstreamAndNeverTouchesTheRealStore() async throws {
        let (configuration, directory) = try Self.signed("")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Towards the capture mailbox, compliance findings are only warnings: the drill must not get that relaxation.
        let result = try await NonCompliantCampaignStory().run(configuration)
        #expect(
            result.guardrail == "preflight refused it (compliance.postal-address-unset, compliance.unsubscribe-link-missing)" && !result.isHarmful,
            "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["keys"], "the configured data directory is left alone")
    }

    @Test func aCompliantIdentityLetsTheCampaignGoWithItsFooter() async throws {
        let (configuration, directory) = try Self.signed("identity: {postal_address: \"1 Sock Lane, Leeds\"}")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await NonCompliantCampaignStory().run(configuration)
        #expect(result.guardrail == "40 copies went, each with the postal address and an unsubscribe link", "\(result)")
        #expect(!result.isHarmful)
    }
}
