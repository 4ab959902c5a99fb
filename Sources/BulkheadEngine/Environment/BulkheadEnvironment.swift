public import BulkheadMail
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// Everything a command needs, opened from one configuration: the store (SQLite or PostgreSQL), the
/// transport (the capture mailbox unless upstreams are configured), the DKIM signer and the
/// unsubscribe-token key.
///
/// ```swift
/// let config = try BulkheadConfiguration.load(path: nil)
/// let environment = try await BulkheadEnvironment.open(config)
/// let runner = try await environment.runner(for: campaignID)
/// let summary = try await runner.run()
/// await environment.close()
/// ```
public struct BulkheadEnvironment: Sendable {
    public let configuration: BulkheadConfiguration
    public let store: any MailStore
    public let transport: any MessageTransport
    /// The `dkim` key's signer (campaigns that name no key).
    public let signer: DKIMSigner?
    /// The `dkim_keys` signers by name.
    public let namedSigners: [String: DKIMSigner]
    public let tokens: UnsubscribeTokenIssuer
    /// The clock of the store, the transport and every run (a ``ManualClock`` in tests and drills).
    public let clock: any BulkheadClock
    /// Where the engine's parts log (the CLI's line logger).
    public let logger: Logger
    private let closeStore: @Sendable () async -> Void
    private let closeTransport: @Sendable () async -> Void

    /// An environment from parts already open (tests, embedding); `close()` closes nothing.
    public init(
        configuration: BulkheadConfiguration, store: any MailStore, transport: any MessageTransport,
        signer: DKIMSigner?, namedSigners: [String: DKIMSigner] = [:], tokens: UnsubscribeTokenIssuer,
        clock: any BulkheadClock = SystemClock(), logger: Logger = Logger(label: "bulkhead")
    ) {
        self.init(
            configuration: configuration, store: store, transport: transport, signer: signer, namedSigners: namedSigners,
            tokens: tokens, clock: clock, logger: logger, closeStore: {}, closeTransport: {})
    }

    private init(
        configuration: BulkheadConfiguration, store: any MailStore, transport: any MessageTransport, signer: DKIMSigner?,
        namedSigners: [String: DKIMSigner], tokens: UnsubscribeTokenIssuer, clock: any BulkheadClock, logger: Logger,
        closeStore: @escaping @Sendable () async -> Void, closeTransport: @escaping @Sendable () async -> Void
    ) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.signer = signer
        self.namedSigners = namedSigners
        self.tokens = tokens
        self.clock = clock
        self.logger = logger
        self.closeStore = closeStore
        self.closeTransport = closeTransport
    }

    /// Opens the store (creating the data directory, mode 0700, and running migrations) and the transport.
    public static func open(
        _ configuration: BulkheadConfiguration, logger: Logger = Logger(label: "bulkhead"),
        clock: any BulkheadClock = SystemClock()
    ) async throws -> BulkheadEnvironment {
        try PrivateFiles.createDirectory(atPath: configuration.dataDirectory)  // 0700: it holds personal data
        let (store, closeStore) = try await openStore(configuration, logger: logger, clock: clock)
        let signer: DKIMSigner?
        let namedSigners: [String: DKIMSigner]
        let tokens: UnsubscribeTokenIssuer
        do {
            signer = try loadSigner(configuration)
            namedSigners = try loadNamedSigners(configuration)
            tokens = try UnsubscribeTokenIssuer(secret: try await unsubscribeSecret(configuration, store: store))
        } catch {
            await closeStore()
            throw error
        }
        let (transport, closeTransport) = try makeTransport(configuration, store: store, logger: logger, clock: clock)
        return BulkheadEnvironment(
            configuration: configuration, store: store, transport: transport, signer: signer,
            namedSigners: namedSigners, tokens: tokens, clock: clock, logger: logger, closeStore: closeStore,
            closeTransport: closeTransport)
    }

    /// Opens only the store, for commands that send nothing.
    public static func openStore(
        _ configuration: BulkheadConfiguration, logger: Logger = Logger(label: "bulkhead"),
        clock: any BulkheadClock = SystemClock()
    ) async throws -> (any MailStore, @Sendable () async -> Void) {
        switch configuration.storage.backend {
        case .sqlite:
            try PrivateFiles.createDirectory(atPath: configuration.dataDirectory)  // 0700: it holds personal data
            let store = try SQLiteStore(path: configuration.path(configuration.storage.sqlitePath), configuration: .init(clock: clock))
            try await store.upgradeStoredAddresses()
            return (store, {})
        case .postgres:
            guard let url = configuration.storage.postgresURL else {
                throw ConfigurationError.invalidValue("storage.postgres_url", reason: "missing")
            }
            // The URL holds the password: no error may show it (the store's own messages quote the URL).
            let redactor = SecretRedactor(configuration)
            var settings: PostgresStore.Configuration
            do {
                settings = try PostgresStore.Configuration(url: url)
            } catch {
                throw ConfigurationError.invalidValue("storage.postgres_url", reason: redactor.redact(error.description))
            }
            settings.clock = clock
            let store: PostgresStore
            do {
                store = try await PostgresStore.connect(settings, logger: logger)
            } catch let StoreError.database(message) {
                throw StoreError.database(redactor.redact(message))
            } catch let StoreError.invalidConfiguration(message) {
                throw StoreError.invalidConfiguration(redactor.redact(message))
            }
            do {
                try await store.upgradeStoredAddresses()
            } catch {
                await store.close()
                throw error
            }
            return (store, { await store.close() })
        }
    }

    /// Closes the transport's connections and the store.
    public func close() async {
        await closeTransport()
        await closeStore()
    }

    /// The capture mailbox's directory (where the embedded default delivers).
    public var captureDirectory: String { configuration.path("capture") }

    /// A runner for one campaign, with its message factory built from the campaign and the identity.
    /// With `waitingThroughHold` false (`serve`) a run ends when a canary's hold begins.
    public func runner(for id: CampaignID, waitingThroughHold: Bool = true) async throws -> CampaignRunner {
        guard let campaign = try await store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        let factory = try await messageFactory(for: campaign)
        var settings = DeliverySettings(configuration.delivery)
        settings.journalDirectory = configuration.path("journal")
        settings.brakes = configuration.guardrails.brakes.thresholds
        settings.alertEmail = configuration.alerts.email
        settings.canaryHoldSeconds = configuration.guardrails.canary.holdSeconds
        settings.waitsThroughCanaryHold = waitingThroughHold
        return CampaignRunner(
            store: store, transport: transport, factory: factory, tokens: tokens, campaign: id,
            settings: settings, clock: clock, logger: logger)
    }

    /// The per-recipient message factory of a campaign: its templates, From, attachments (refused with
    /// ``CampaignAttachmentError`` when a file changed or vanished since creation), and the configured identity (return path, unsubscribe links, List-Id, postal address) and DKIM key.
    public func messageFactory(for campaign: Campaign) async throws -> CampaignMessageFactory {
        let content = campaign.content
        let from = try Mailbox(parsing: content.from.isEmpty ? configuration.identity.from : content.from)
        let identity = configuration.identity
        let fromDomain = from.domain
        let links = try UnsubscribeLinks(base: identity.unsubscribeBaseURL, mailtoDomain: identity.unsubscribeMailtoDomain ?? fromDomain)
        let list = try await store.list(id: content.listID)
        let listID = list.map { "\($0.listIDLabel).\(fromDomain)" }
        let campaignIdentity = CampaignIdentity(
            campaignID: campaign.id.rawValue, name: content.name, from: from,
            returnPathDomain: identity.returnPathDomain ?? fromDomain, unsubscribe: links,
            listID: listID, listDescription: list?.name, postalAddress: identity.postalAddress)
        let templates = try CampaignTemplates(subject: content.subjectTemplate, text: content.textTemplate, html: content.htmlTemplate)
        // Each file must still hold what it held when the campaign was created.
        let attachments = try content.attachments.map { reference throws(CampaignAttachmentError) in
            try CampaignAttachmentFile.load(reference)
        }
        return try CampaignMessageFactory(
            identity: campaignIdentity, templates: templates, attachments: attachments,
            signer: try signer(named: content.dkimKeyRef), clock: clock)
    }

    /// The signer for a campaign: the named key from `dkim_keys`, or the `dkim` key when `name` is
    /// nil. A name the configuration does not define is an error, never a silent fallback.
    public func signer(named name: String?) throws -> DKIMSigner? {
        guard let name else { return signer }
        if let named = namedSigners[name] { return named }
        _ = try configuration.dkimKey(named: name)  // an unknown name: the error lists the defined ones
        throw ConfigurationError.invalidValue("dkim_keys.\(name)", reason: "defined, but its key was not loaded")
    }

    static func loadSigner(_ configuration: BulkheadConfiguration) throws -> DKIMSigner? {
        try configuration.dkim.map { try loadSigner($0, configuration) }
    }

    static func loadNamedSigners(_ configuration: BulkheadConfiguration) throws -> [String: DKIMSigner] {
        try configuration.dkimKeys.mapValues { try loadSigner($0, configuration) }
    }

    static func loadSigner(_ dkim: BulkheadConfiguration.DKIM, _ configuration: BulkheadConfiguration) throws -> DKIMSigner {
        let path = configuration.path(dkim.privateKeyFile)
        let pem = try String(contentsOfFile: path, encoding: .utf8)
        let key = try DKIMKey(importing: pem)
        return try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: dkim.domain, selector: dkim.selector))
    }

    /// The unsubscribe-token key: from the configuration (or `BULKHEAD_UNSUBSCRIBE_KEY`), else the one
    /// kept in the store, so that every host sharing a store issues and accepts the same links. The
    /// first run creates it; a key file of an older version (`<data directory>/secrets/unsubscribe.key`)
    /// becomes the store's key, so links already sent stay valid. A key file that is unreadable or
    /// too short is an error, never silently replaced (that would invalidate every link sent).
    static func unsubscribeSecret(_ configuration: BulkheadConfiguration, store: any MailStore) async throws -> [UInt8] {
        if let key = configuration.identity.unsubscribeKey, let data = Data(base64Encoded: key) { return Array(data) }
        let legacy = try legacyUnsubscribeKey(atPath: (configuration.path("secrets") as NSString).appendingPathComponent("unsubscribe.key"))
        let stored = try await store.secret(named: "unsubscribe-key") {
            if let legacy { return legacy }
            var generator = SystemRandomNumberGenerator()
            return Base64Encoder.line((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        guard let data = Data(base64Encoded: stored), data.count >= 32 else {
            throw ConfigurationError.unreadable("the store's unsubscribe key is not base64 of at least 32 bytes")
        }
        return Array(data)
    }

    /// The key in an older version's key file (base64), nil when there is no such file; an unreadable
    /// or short file is an error.
    private static func legacyUnsubscribeKey(atPath file: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ConfigurationError.unreadable(
                "\(file) cannot be read: fix its permissions (it holds the unsubscribe key; replacing it would break every unsubscribe link already sent)"
            )
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count >= 32 else {
            throw ConfigurationError.unreadable(
                "\(file) does not hold a base64 key of at least 32 bytes: restore it from a backup (replacing it would break every unsubscribe link already sent)"
            )
        }
        return Base64Encoder.line(data)
    }
}
