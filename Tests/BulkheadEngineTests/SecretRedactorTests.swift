import BulkheadEngine
import Foundation
import Logging
import Testing

@Suite struct SecretRedactorTests {
    static func configuration(_ yaml: String, environment: [String: String] = [:]) throws -> BulkheadConfiguration {
        try BulkheadConfiguration.load(
            yaml: "identity:\n  from: \"Shop <news@shop.example>\"\n  unsubscribe_base_url: https://shop.example\n" + yaml,
            environment: environment)
    }

    /// Every form of the store URL's password, the upstream's password (also as AUTH PLAIN and LOGIN
    /// send it) and the unsubscribe key are masked; other text is left alone.
    @Test func masksEveryConfiguredSecret() throws {
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let config = try Self.configuration(
            """
            storage:
              backend: postgres
              postgres_url: "postgres://bulkhead:p%40ss/w0rd@db.internal:5432/bulkhead"
            upstreams:
              - name: relay
                host: smtp.example
                username: mailer
                password: "Up-Str3am"

            """, environment: ["BULKHEAD_UNSUBSCRIBE_KEY": key])
        let redactor = SecretRedactor(config)
        let plain = Data([0] + Array("mailer".utf8) + [0] + Array("Up-Str3am".utf8)).base64EncodedString()
        let text =
            "url postgres://bulkhead:p%40ss/w0rd@db.internal decoded p@ss/w0rd upstream Up-Str3am "
            + "login \(Data("Up-Str3am".utf8).base64EncodedString()) plain \(plain) key \(key) host db.internal"
        #expect(
            redactor.redact(text) == "url postgres://bulkhead:********@db.internal decoded ******** upstream ******** "
                + "login ******** plain ******** key ******** host db.internal")
        #expect(!config.effectiveSettingsMasked().contains("w0rd"))
    }

    /// A URL with an unencoded `@` in its password: masked whole, in `config check` and in messages.
    @Test func passwordWithAnAt() throws {
        let config = try Self.configuration("storage:\n  backend: postgres\n  postgres_url: \"postgres://u:S3cr@tPw9@db/x\"\n")
        #expect(SecretRedactor(config).redact("no host in postgres://u:S3cr@tPw9@db/x") == "no host in postgres://u:********@db/x")
        let settings = config.effectiveSettingsMasked()
        #expect(settings.contains("postgres://u:********@db/x") && !settings.contains("S3cr") && !settings.contains("tPw9"), "\(settings)")
    }

    /// A configuration that does not parse: the error never quotes the password line.
    @Test func parseErrorsAreMasked() {
        let yaml = "storage:\n  postgres_url: postgres://u:Hunter22@db/x\n  backend: [postgres\n"
        #expect(throws: ConfigurationError.self) { try Self.configuration(yaml) }
        do {
            _ = try Self.configuration(yaml)
        } catch {
            #expect(!"\(error)".contains("Hunter22"), "\(error)")
        }
    }

    @Test func logLinesAreMasked() throws {
        final class Sink: @unchecked Sendable { var lines: [String] = [] }
        let sink = Sink()
        let redactor = SecretRedactor(secrets: ["Hunter22"])
        let logger = Logger(label: "test") { LineLogHandler(label: $0, format: .text, level: .trace, redactor: redactor) { sink.lines.append($0) } }
        logger.debug("auth with Hunter22 failed", metadata: ["password": "Hunter22"])
        #expect(sink.lines.count == 1)
        #expect(sink.lines.allSatisfy { !$0.contains("Hunter22") && $0.contains("auth with ******** failed") && $0.contains("password=********") })
    }
}
