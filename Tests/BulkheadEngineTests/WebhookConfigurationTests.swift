import Foundation
import Testing

@testable import BulkheadEngine

/// `webhooks:`: http(s) URLs, exactly one secret, known event names, and the secret never shown.
@Suite struct WebhookConfigurationTests {
    static func load(_ webhooks: String) throws(ConfigurationError) -> BulkheadConfiguration {
        try BulkheadConfiguration.load(yaml: "webhooks:\n" + webhooks, environment: [:])
    }

    static func refusal(_ webhooks: String) -> String? {
        do {
            _ = try load(webhooks)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func readsWebhooksWithAllEventsByDefault() throws {
        let config = try Self.load(
            """
              - url: https://hooks.shop.example/bulkhead
                secret: "k3y"
              - url: http://127.0.0.1:9000/x
                secret_file: hook.secret
                events: [brake.tripped, relay.held]
            """)
        #expect(config.webhooks.count == 2)
        #expect(config.webhooks[0].eventNames == Set(WebhookEventName.allCases) && config.webhooks[0].secret == "k3y")
        #expect(config.webhooks[1].eventNames == [.brakeTripped, .relayHeld] && config.webhooks[1].secretFile == "hook.secret")
    }

    @Test func refusesOtherSchemesMissingOrDoubleSecretsAndUnknownEvents() {
        let ftp = Self.refusal("  - url: ftp://hooks.example/x\n    secret: abc123xyz\n")
        #expect(ftp?.contains("webhooks[0].url") == true && ftp?.contains("https:// or http://") == true)
        #expect(Self.refusal("  - url: https:///nohost\n    secret: abc123xyz\n")?.contains("webhooks[0].url") == true)
        let none = Self.refusal("  - url: https://hooks.example/x\n")
        #expect(none?.contains("webhooks[0].secret") == true && none?.contains("exactly one") == true)
        #expect(Self.refusal("  - url: https://hooks.example/x\n    secret: abc123xyz\n    secret_file: f\n")?.contains("exactly one") == true)
        #expect(Self.refusal("  - url: https://hooks.example/x\n    secret: \"\"\n")?.contains("must not be empty") == true)
        let unknown = Self.refusal("  - url: https://hooks.example/x\n    secret: abc123xyz\n    events: [campaign.state, campaign.sent]\n")
        #expect(
            unknown?.contains(
                #"unknown event "campaign.sent" (known: campaign.state, brake.tripped, relay.held, relay.breaker_tripped, list.storm)"#)
                == true, "\(unknown ?? "accepted")")
        let twice = Self.refusal("  - url: https://hooks.example/x\n    secret: abc123xyz\n  - url: https://hooks.example/x\n    secret: j\n")
        #expect(twice?.contains("webhooks[1].url") == true)
        #expect(Self.refusal("  - url: https://hooks.example/x\n    secret: abc123xyz\n    colour: red\n") != nil, "unknown keys are refused")
    }

    @Test func theSecretIsMaskedInConfigCheckAndInErrors() throws {
        let config = try Self.load("  - url: https://hooks.example/x\n    secret: \"Sup3r-s3cret\"\n")
        let shown = config.effectiveSettingsMasked()
        #expect(!shown.contains("Sup3r-s3cret") && shown.contains("https://hooks.example/x"))
        #expect(SecretRedactor(config).redact("failed with Sup3r-s3cret") == "failed with ********")
        let broken = Self.refusal("  - url: https://hooks.example/x\n    secret: \"Sup3r-s3cret\"\n    events: nope: [\n")
        #expect(broken != nil && broken?.contains("Sup3r-s3cret") == false)
    }

    @Test func aSecretFileIsReadWithoutItsLineBreakAndAMissingOneIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("from-file\n".utf8).write(to: directory.appendingPathComponent("hook.secret"))
        var config = try Self.load("  - url: https://hooks.example/x\n    secret_file: hook.secret\n")
        config.dataDirectory = directory.path
        #expect(try WebhookTarget(config.webhooks[0], configuration: config).secret == Array("from-file".utf8))
        config.webhooks[0].secretFile = "missing.secret"
        #expect(throws: ConfigurationError.self) { try WebhookTarget(config.webhooks[0], configuration: config) }
    }
}
