public import BulkheadMail
import BulkheadStore
public import Foundation
import Yams

extension BulkheadConfiguration {
    /// The file name looked for in the working directory when no `--config` is given.
    public static let defaultFileName = "bulkhead.yaml"

    /// Reads a configuration from YAML text, applies the environment's secret overrides, and validates it.
    /// An empty document gives the defaults. Errors never show a secret of the text or the environment
    /// (``SecretRedactor``), even when they quote the file.
    public static func load(yaml: String, environment: [String: String]) throws(ConfigurationError) -> BulkheadConfiguration {
        do {
            return try decodeAndValidate(yaml: yaml, environment: environment)
        } catch {
            throw error.redacted(by: SecretRedactor(unparsedYAML: yaml, environment: environment))
        }
    }

    private static func decodeAndValidate(yaml: String, environment: [String: String]) throws(ConfigurationError) -> BulkheadConfiguration {
        var config: BulkheadConfiguration
        let meaningful = yaml.split(whereSeparator: \.isNewline).contains { line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            return !trimmed.isEmpty && !trimmed.hasPrefix("#") && trimmed != "---"
        }
        if meaningful {
            do {
                config = try YAMLDecoder().decode(BulkheadConfiguration.self, from: yaml)
            } catch let error as ConfigurationError {
                throw error
            } catch let error as DecodingError {
                if let inner = Self.underlyingConfigurationError(error) { throw inner }
                throw .unreadable(Self.describe(error))
            } catch {
                throw .unreadable("\(error)")
            }
        } else {
            config = BulkheadConfiguration()
        }
        config.applyEnvironment(environment)
        try config.validate()
        return config
    }

    /// Reads `path`, or `bulkhead.yaml` in the working directory when `path` is nil (the defaults when
    /// that file does not exist either).
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError)
        -> BulkheadConfiguration
    {
        let file = path ?? defaultFileName
        guard FileManager.default.fileExists(atPath: file) else {
            if path != nil { throw .unreadable("no such file: \(file)") }
            return try load(yaml: "", environment: environment)
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw .unreadable("\(file): \(error.localizedDescription)")
        }
        return try load(yaml: text, environment: environment)
    }

    /// Secrets from the environment win over the file: `BULKHEAD_POSTGRES_URL`, `BULKHEAD_UNSUBSCRIBE_KEY`,
    /// `BULKHEAD_UPSTREAM_<NAME>_PASSWORD`.
    mutating func applyEnvironment(_ environment: [String: String]) {
        if let url = environment["BULKHEAD_POSTGRES_URL"], !url.isEmpty { storage.postgresURL = url }
        if let key = environment["BULKHEAD_UNSUBSCRIBE_KEY"], !key.isEmpty { identity.unsubscribeKey = key }
        for index in upstreams.indices {
            if let password = environment[Self.passwordVariable(for: upstreams[index].name)], !password.isEmpty {
                upstreams[index].password = password
            }
        }
    }

    /// The environment variable that holds an upstream's password.
    public static func passwordVariable(for upstream: String) -> String {
        "BULKHEAD_UPSTREAM_" + String(upstream.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "_PASSWORD"
    }

    /// Checks every value that has a range or a form.
    func validate() throws(ConfigurationError) {
        func require(_ condition: Bool, _ path: String, _ reason: String) throws(ConfigurationError) {
            if !condition { throw .invalidValue(path, reason: reason) }
        }
        try require(!dataDirectory.isEmpty, "data_directory", "must not be empty")
        if storage.backend == .postgres {
            try require(
                storage.postgresURL?.hasPrefix("postgres://") == true || storage.postgresURL?.hasPrefix("postgresql://") == true,
                "storage.postgres_url", "the postgres backend needs postgres://user@host:port/database (or BULKHEAD_POSTGRES_URL)")
        }
        do {
            _ = try fromMailbox
        } catch {
            throw .invalidValue("identity.from", reason: "\(error)")
        }
        try require(
            identity.unsubscribeBaseURL.lowercased().hasPrefix("https://"), "identity.unsubscribe_base_url",
            "must be an https URL (RFC 8058 one-click unsubscribe)")
        if let key = identity.unsubscribeKey {
            try require((Data(base64Encoded: key)?.count ?? 0) >= 32, "identity.unsubscribe_key", "must be base64 of at least 32 bytes")
        }
        try require((1...1_000).contains(delivery.concurrency), "delivery.concurrency", "must be 1 to 1000")
        try require((1...10_000).contains(delivery.batchSize), "delivery.batch_size", "must be 1 to 10000")
        try require((1...100).contains(delivery.maxAttempts), "delivery.max_attempts", "must be 1 to 100")
        try require(
            delivery.retryBaseSeconds > 0 && delivery.retryMaxSeconds >= delivery.retryBaseSeconds,
            "delivery.retry_base_seconds", "must be > 0 and ≤ retry_max_seconds")
        try require(
            (10...1_000).contains(delivery.controlPollMilliseconds), "delivery.control_poll_milliseconds",
            "must be 10 to 1000 (the kill switch must act within a second)")
        try require((3...3_600).contains(delivery.leaseSeconds), "delivery.lease_seconds", "must be 3 to 3600")
        try guardrails.validate()
        try require(
            (1...10_000).contains(http.requestsPerTokenPerMinute), "http.requests_per_token_per_minute", "must be 1 to 10000")
        try require(Set(http.listen).count == http.listen.count, "http.listen", "an address is listed twice")
        try require(!http.tls || listenerTLS != nil, "http.tls", "needs listener_tls (certificate_file and private_key_file)")
        if let open = http.listen.first(where: { !$0.isLoopback }) {
            try require(
                http.browsersUseTLS, "http.listen",
                "\(open) is not loopback: passwords and session cookies would cross the network in the clear; set http.tls: true (with listener_tls) or, when a reverse proxy terminates TLS in front of it, http.behind_tls_proxy: true"
            )
        }
        try require(Set(inbound.listen).count == inbound.listen.count, "inbound.listen", "an address is listed twice")
        try require(Set(inbound.listen).isDisjoint(with: http.listen), "inbound.listen", "an address is also in http.listen")
        for (index, domain) in inbound.domains.enumerated() {
            // The same normalisation as the addresses it is compared with (IDNA, lowercase).
            try require(
                !domain.isEmpty && !domain.contains("@") && !domain.hasSuffix(".") && (try? NormalizedAddress("x@" + domain)) != nil,
                "inbound.domains[\(index)]", "must be a domain name like shop.example (no wildcard, no trailing dot)")
        }
        try require(
            (1_024...(100 * 1024 * 1024)).contains(inbound.maxMessageBytes), "inbound.max_message_bytes", "must be 1 KiB to 100 MiB")
        try require(inbound.keptMaxBytes >= inbound.maxMessageBytes, "inbound.kept_max_bytes", "must be at least inbound.max_message_bytes")
        try require((1...100_000).contains(inbound.maxConnections), "inbound.max_connections", "must be 1 to 100000")
        try require(
            (1...inbound.maxConnections).contains(inbound.maxConnectionsPerClient), "inbound.max_connections_per_client",
            "must be 1 to inbound.max_connections (\(inbound.maxConnections))")
        try require(Set(relay.listen).count == relay.listen.count, "relay.listen", "an address is listed twice")
        try require(
            Set(relay.listen).isDisjoint(with: inbound.listen) && Set(relay.listen).isDisjoint(with: http.listen), "relay.listen",
            "an address is also in inbound.listen or http.listen")
        try require((0...100_000).contains(relay.breaker.messages), "relay.breaker.messages", "must be 0 (off) to 100000")
        try require((0...1_000_000).contains(relay.breaker.recipients), "relay.breaker.recipients", "must be 0 (off) to 1000000")
        try require((1...604_800).contains(relay.breaker.windowSeconds), "relay.breaker.window_seconds", "must be 1 to 604800 (a week)")
        try require((1...10_000).contains(relay.exposureHoldRecipients), "relay.exposure_hold_recipients", "must be 1 to 10000")
        try require((1...100_000).contains(relay.bulkUndoFromRecipients), "relay.bulk_undo_from_recipients", "must be 1 to 100000")
        try require((0...86_400).contains(relay.bulkUndoSeconds), "relay.bulk_undo_seconds", "must be 0 to 86400 (a day)")
        try require(
            (1_024...(100 * 1024 * 1024)).contains(relay.maxMessageBytes), "relay.max_message_bytes", "must be 1 KiB to 100 MiB")
        try require((1...10_000).contains(relay.maxRecipients), "relay.max_recipients", "must be 1 to 10000")
        try require((1...100_000).contains(relay.maxConnections), "relay.max_connections", "must be 1 to 100000")
        try require(
            (1...relay.maxConnections).contains(relay.maxConnectionsPerClient), "relay.max_connections_per_client",
            "must be 1 to relay.max_connections (\(relay.maxConnections))")
        try require((1...100_000_000).contains(lists.moderateFromMembers), "lists.moderate_from_members", "must be 1 to 100000000")
        try require((0...100_000_000).contains(lists.storm.minMembers), "lists.storm.min_members", "must be 0 to 100000000")
        try require((0...10_000).contains(lists.storm.replies), "lists.storm.replies", "must be 0 (off) to 10000")
        try require((1...604_800).contains(lists.storm.windowSeconds), "lists.storm.window_seconds", "must be 1 to 604800 (a week)")
        try require((1...2_592_000).contains(lists.storm.blockSeconds), "lists.storm.block_seconds", "must be 1 to 2592000 (30 days)")
        try require((0...10_000).contains(lists.memberPostsPerDay), "lists.member_posts_per_day", "must be 0 (no limit) to 10000")
        try validateAutoResponders()
        try validateWebhooks()
        try require((1...1_000).contains(bounces.softLimit), "bounces.soft_limit", "must be 1 to 1000")
        try require((1...365).contains(bounces.softDays), "bounces.soft_days", "must be 1 to 365")
        if !alerts.email.isEmpty {
            do {
                _ = try NormalizedAddress(alerts.email)
            } catch {
                throw .invalidValue("alerts.email", reason: "\(error)")
            }
        }
        for name in dkimKeys.keys.sorted() {
            try require(
                !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy(\.isASCIINameByte),
                "dkim_keys.\(name)", "names are 1-64 letters, digits, - and _")
        }
        var names = Set<String>()
        for (index, upstream) in upstreams.enumerated() {
            let path = "upstreams[\(index)]"
            try require(!upstream.name.isEmpty && names.insert(upstream.name).inserted, "\(path).name", "must be present and unique")
            try require(!upstream.host.isEmpty, "\(path).host", "must not be empty")
            try require((1...1_000).contains(upstream.breaker.failures), "\(path).breaker.failures", "must be 1 to 1000")
            try require(
                (1...86_400).contains(upstream.breaker.openSeconds) && upstream.breaker.maxOpenSeconds >= upstream.breaker.openSeconds
                    && upstream.breaker.maxOpenSeconds <= 86_400,
                "\(path).breaker.open_seconds", "must be 1 to 86400 and ≤ max_open_seconds (≤ 86400)")
            try require((1...65_535).contains(upstream.port), "\(path).port", "must be 1 to 65535")
            try require((1...1_000).contains(upstream.maxConnections), "\(path).max_connections", "must be 1 to 1000")
            try require(upstream.messagesPerConnection >= 1, "\(path).messages_per_connection", "must be at least 1")
            try require(upstream.messagesPerSecond >= 0 && upstream.messagesPerHour >= 0, "\(path).messages_per_second", "must not be negative")
            try require(upstream.weight >= 1, "\(path).weight", "must be at least 1")
            try require(
                upstream.username == nil || upstream.password != nil, "\(path).password",
                "a username needs a password (or \(Self.passwordVariable(for: upstream.name)))")
        }
    }

    /// The `dkim_keys` entry called `name`; an unknown name is an error that lists the defined ones.
    public func dkimKey(named name: String) throws(ConfigurationError) -> DKIM {
        guard let key = dkimKeys[name] else {
            let defined = dkimKeys.keys.sorted()
            throw .invalidValue(
                "dkim_keys",
                reason: "no key named \"\(name)\""
                    + (defined.isEmpty ? " (none is defined)" : " (defined: \(defined.joined(separator: ", ")))"))
        }
        return key
    }

    /// The From mailbox of campaign mail.
    public var fromMailbox: Mailbox {
        get throws(AddressParseError) { try Mailbox(parsing: identity.from) }
    }

    /// A URL or path made absolute against the data directory.
    public func path(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : (dataDirectory as NSString).appendingPathComponent(relative)
    }

    /// The effective settings as YAML, secrets masked: what `bulkhead config check` prints.
    public func effectiveSettingsMasked() -> String {
        var copy = self
        copy.storage.postgresURL = copy.storage.postgresURL.map(Self.maskURL)
        copy.identity.unsubscribeKey = copy.identity.unsubscribeKey.map { _ in "********" }
        for index in copy.upstreams.indices where copy.upstreams[index].password != nil {
            copy.upstreams[index].password = "********"
        }
        for index in copy.webhooks.indices where copy.webhooks[index].secret != nil {
            copy.webhooks[index].secret = "********"
        }
        // The settings above are masked where they are; a secret's text found anywhere else is masked
        // too, unless it is short enough to be any other value's text as well (a password `25` and
        // `port: 25`): ``shortSecrets`` names those for a warning.
        let long = SecretRedactor(secrets: SecretRedactor(self).secrets.filter { $0.count >= SecretRedactor.shortLength })
        return long.redact((try? YAMLEncoder().encode(copy)) ?? "\(copy)")
    }

    /// The settings holding a secret shorter than ``SecretRedactor/shortLength`` characters: easy to
    /// guess, and every occurrence of their text in log lines and error messages is masked.
    public var shortSecrets: [String] {
        var names: [String] = []
        if let url = storage.postgresURL, SecretRedactor.urlPasswords(url).contains(where: { $0.count < SecretRedactor.shortLength }) {
            names.append("storage.postgres_url (its password)")
        }
        for upstream in upstreams where (upstream.password?.count ?? SecretRedactor.shortLength) < SecretRedactor.shortLength {
            names.append("upstreams[\(upstream.name)].password")
        }
        if let key = identity.unsubscribeKey, key.count < SecretRedactor.shortLength { names.append("identity.unsubscribe_key") }
        for (index, webhook) in webhooks.enumerated() where (webhook.secret?.count ?? SecretRedactor.shortLength) < SecretRedactor.shortLength {
            names.append("webhooks[\(index)].secret")
        }
        return names
    }

    static func maskURL(_ url: String) -> String {
        // postgres://user:secret@host → postgres://user:********@host (the last @: a password may hold one)
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@", options: .backwards, range: scheme.upperBound..<url.endIndex) else {
            return url
        }
        let credentials = url[scheme.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "********" + String(url[at.lowerBound...])
    }

    /// A ConfigurationError thrown inside a decoder comes back wrapped by the YAML decoder; unwrap it.
    static func underlyingConfigurationError(_ error: DecodingError) -> ConfigurationError? {
        var current: (any Error)? = error
        for _ in 0..<8 {
            if let found = current as? ConfigurationError { return found }
            guard let decoding = current as? DecodingError else { return nil }
            switch decoding {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
                current = context.underlyingError
            @unknown default:
                return nil
            }
        }
        return nil
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let dotted = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return dotted.isEmpty ? "the document" : dotted
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type) (\(context.debugDescription))"
        case .valueNotFound(let type, let context): return "\(path(context)): missing \(type)"
        case .keyNotFound(let key, let context): return "\(path(context)): missing required setting \"\(key.stringValue)\""
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
