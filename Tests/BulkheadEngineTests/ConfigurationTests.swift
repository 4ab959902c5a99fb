import BulkheadMail
import Foundation
import Testing

@testable import BulkheadEngine

@Suite struct ConfigurationTests {
    @Test func emptyDocumentGivesTheEmbeddedDefault() throws {
        for text in ["", "# only a comment\n", "---\n"] {
            let config = try BulkheadConfiguration.load(yaml: text, environment: [:])
            #expect(config == BulkheadConfiguration())
            #expect(config.storage.backend == .sqlite)
            #expect(config.upstreams.isEmpty)
        }
    }

    @Test func readsEverySectionAndKeepsDefaultsForTheRest() throws {
        let yaml = """
            data_directory: /var/lib/bulkhead
            identity:
              from: "Shop <news@shop.example>"
              unsubscribe_base_url: https://shop.example
            delivery:
              concurrency: 4
            upstreams:
              - name: relay
                host: 127.0.0.1
                port: 2525
                tls: off
                messages_per_second: 50
            """
        let config = try BulkheadConfiguration.load(yaml: yaml, environment: [:])
        #expect(config.dataDirectory == "/var/lib/bulkhead")
        #expect(config.delivery.concurrency == 4)
        #expect(config.delivery.batchSize == 50)
        #expect(config.upstreams.count == 1)
        #expect(config.upstreams[0].tls == .off && config.upstreams[0].port == 2525 && config.upstreams[0].maxConnections == 10)
        #expect(try config.fromMailbox == Mailbox(displayName: "Shop", localPart: "news", domain: "shop.example"))
        #expect(config.path("bulkhead.sqlite") == "/var/lib/bulkhead/bulkhead.sqlite")
    }

    @Test func misspeltSettingsAreErrorsWithTheirPath() {
        #expect(
            throws: ConfigurationError.unknownSetting(
                "delivery.concurency",
                known: [
                    "batch_size", "concurrency", "control_poll_milliseconds", "lease_seconds", "max_attempts", "retry_base_seconds",
                    "retry_max_seconds",
                ])
        ) {
            try BulkheadConfiguration.load(yaml: "delivery:\n  concurency: 4\n", environment: [:])
        }
        #expect(throws: ConfigurationError.self) {
            try BulkheadConfiguration.load(yaml: "upstreams:\n  - name: a\n    host: h\n    pasword: x\n", environment: [:])
        }
    }

    @Test func badValuesAreSpecificErrors() {
        let cases: [(String, String)] = [
            ("delivery:\n  concurrency: 0\n", "delivery.concurrency"),
            ("identity:\n  unsubscribe_base_url: http://shop.example\n", "identity.unsubscribe_base_url"),
            ("identity:\n  from: not an address\n", "identity.from"),
            ("storage:\n  backend: postgres\n", "storage.postgres_url"),
            ("upstreams:\n  - {name: a, host: h, port: 70000}\n", "upstreams[0].port"),
            ("upstreams:\n  - {name: a, host: h}\n  - {name: a, host: i}\n", "upstreams[1].name"),
            ("upstreams:\n  - {name: a, host: h, username: u}\n", "upstreams[0].password"),
            ("inbound:\n  domains: [\"*\"]\n", "inbound.domains[0]"),
            ("inbound:\n  domains: [shop.example, Shop.Example.]\n", "inbound.domains[1]"),
            ("inbound:\n  kept_max_bytes: 1024\n", "inbound.kept_max_bytes"),
            ("inbound:\n  listen: [\"127.0.0.1:25\"]\nhttp:\n  listen: [\"127.0.0.1:25\"]\n", "inbound.listen"),
            ("http:\n  listen: [\"127.0.0.1:80\", \"127.0.0.1:80\"]\n", "http.listen"),
            ("http:\n  requests_per_token_per_minute: 0\n", "http.requests_per_token_per_minute"),
            ("bounces: {soft_limit: 0}\n", "bounces.soft_limit"),
            ("relay:\n  listen: [\"127.0.0.1:2525\"]\ninbound:\n  listen: [\"127.0.0.1:2525\"]\n", "relay.listen"),
            ("relay:\n  breaker: {messages: -1}\n", "relay.breaker.messages"),
            ("relay:\n  breaker: {window_seconds: 0}\n", "relay.breaker.window_seconds"),
            ("relay:\n  bulk_undo_seconds: 100000\n", "relay.bulk_undo_seconds"),
            ("relay:\n  exposure_hold_recipients: 0\n", "relay.exposure_hold_recipients"),
            ("relay:\n  max_connections: 0\n", "relay.max_connections"),
            ("relay:\n  max_connections: 10\n  max_connections_per_client: 11\n", "relay.max_connections_per_client"),
            ("inbound:\n  max_connections: 100001\n", "inbound.max_connections"),
            ("inbound:\n  max_connections_per_client: 0\n", "inbound.max_connections_per_client"),
            ("autoresponders:\n  - {address: support@shop.example, text_file: t.txt}\n", "autoresponders[0].forward_to"),
            (
                "autoresponders:\n  - {address: support@shop.example, text_file: t.txt, forward_to: a@b.example, maildir: m}\n",
                "autoresponders[0].forward_to"
            ),
            (
                "autoresponders:\n  - {address: support@shop.example, text_file: t.txt, forward_to: Support@Shop.Example}\n",
                "autoresponders[0].forward_to"
            ),
            ("autoresponders:\n  - {address: not-an-address, text_file: t.txt, maildir: m}\n", "autoresponders[0].address"),
            (
                "autoresponders:\n  - {address: a@shop.example, text_file: t.txt, maildir: m}\n  - {address: b@shop.example, aliases: [A@shop.example], text_file: t.txt, maildir: m}\n",
                "autoresponders[1].aliases"
            ),
            (
                "autoresponders:\n  - {address: a@shop.example, text_file: t.txt, maildir: m, once_per_sender_days: 400}\n",
                "autoresponders[0].once_per_sender_days"
            ),
            (
                "autoresponders:\n  - {address: a@shop.example, text_file: t.txt, maildir: m, subject: \"a\\nBcc: x@y\"}\n",
                "autoresponders[0].subject"
            ),
            ("autoreply_breaker: {replies: -1}\n", "autoreply_breaker.replies"),
            ("autoreply_breaker: {window_seconds: 0}\n", "autoreply_breaker.window_seconds"),
        ]
        for (yaml, path) in cases {
            do {
                _ = try BulkheadConfiguration.load(yaml: yaml, environment: [:])
                Issue.record("accepted \(yaml)")
            } catch let ConfigurationError.invalidValue(got, _) {
                #expect(got == path)
            } catch {
                Issue.record("\(yaml): unexpected \(error)")
            }
        }
        #expect(throws: ConfigurationError.self) { try BulkheadConfiguration.load(yaml: "delivery:\n  concurrency: many\n", environment: [:]) }
        #expect(throws: ConfigurationError.self) { try BulkheadConfiguration.load(yaml: "delivery: [1, 2\n", environment: [:]) }
        for network in ["10.0.0.1/8", "300.0.0.1/32", "::1/129", "localhost", "127.0.0.1/"] {
            #expect(throws: ConfigurationError.self, "\(network)") {
                try BulkheadConfiguration.load(yaml: "relay:\n  allow_networks: [\"\(network)\"]\n", environment: [:])
            }
        }
    }

    @Test func theRelaySectionReadsItsNames() throws {
        let yaml = """
            relay:
              listen: ["127.0.0.1:2525", "[::1]:2525"]
              allow_networks: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
              breaker: {messages: 0, recipients: 50, window_seconds: 60}
              exposure_hold_recipients: 5
              bulk_undo_from_recipients: 40
              bulk_undo_seconds: 30

            """
        let relay = try BulkheadConfiguration.load(yaml: yaml, environment: [:]).relay
        #expect(relay.listen.map(\.description) == ["127.0.0.1:2525", "[::1]:2525"])
        #expect(relay.allowNetworks.map(\.description) == ["10.0.0.0/8", "2001:db8:0:0:0:0:0:0/32", "192.0.2.7/32"])
        #expect(relay.allowNetworks[0].contains("10.200.3.4") && !relay.allowNetworks[0].contains("11.0.0.1"))
        #expect(relay.allowNetworks[1].contains("2001:db8::1") && !relay.allowNetworks[1].contains("2001:db9::1"))
        #expect(relay.allowNetworks[2].contains("::ffff:192.0.2.7"), "an IPv4-mapped client matches")
        #expect(!relay.breaker.limits.isOn && relay.breaker.recipients == 50 && relay.breaker.windowSeconds == 60)
        #expect(relay.exposureHoldRecipients == 5 && relay.bulkUndoFromRecipients == 40 && relay.bulkUndoSeconds == 30)
        #expect(BulkheadConfiguration.Relay().allowNetworks.map(\.description) == ["127.0.0.1/32"])
    }

    /// A short password is masked where it is set but not wherever its text occurs (`25` is also the
    /// port); a long one is masked wherever it occurs; the short one is named for a warning.
    @Test func aShortSecretIsMaskedWhereItIsSetAndNamedALongOneEverywhere() throws {
        let yaml = """
            upstreams:
              - {name: relay, host: smtp.example, port: 25, username: u, password: "25"}
              - {name: other, host: smtp2.example, port: 587, username: long-secret-1, password: long-secret-1}
            """
        let config = try BulkheadConfiguration.load(yaml: yaml, environment: [:])
        let shown = config.effectiveSettingsMasked()
        #expect(shown.contains("port: 25"), "\(shown)")
        #expect(!shown.contains("long-secret-1"), "the long secret is masked wherever it occurs: \(shown)")
        #expect(shown.components(separatedBy: "password: '********'").count - 1 == 2)
        #expect(config.shortSecrets == ["upstreams[relay].password"])
        #expect(
            try BulkheadConfiguration.load(yaml: "upstreams: [{name: a, host: h, username: u, password: 12345678}]", environment: [:]).shortSecrets
                == [])
    }

    @Test func secretsComeFromTheEnvironmentAndAreMasked() throws {
        let yaml = "storage:\n  backend: postgres\nupstreams:\n  - {name: main-relay, host: h, username: u}\n"
        let environment = [
            "BULKHEAD_POSTGRES_URL": "postgres://bulk:hunter2@db.internal:5432/bulkhead",
            "BULKHEAD_UPSTREAM_MAIN_RELAY_PASSWORD": "s3cret",
        ]
        let config = try BulkheadConfiguration.load(yaml: yaml, environment: environment)
        #expect(config.upstreams[0].password == "s3cret")
        let shown = config.effectiveSettingsMasked()
        #expect(!shown.contains("hunter2") && !shown.contains("s3cret"))
        #expect(shown.contains("postgres://bulk:********@db.internal:5432/bulkhead"))
        #expect(shown.contains("main-relay"))
    }
}

@Suite struct SampleConfigurationTests {
    /// The commented sample in docs/ must load and equal the defaults it documents.
    @Test func theSampleFileIsValidAndDocumentsTheDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try String(contentsOf: root.appendingPathComponent("docs/bulkhead.sample.yaml"), encoding: .utf8)
        #expect(try BulkheadConfiguration.load(yaml: sample, environment: [:]) == BulkheadConfiguration())
    }
}
