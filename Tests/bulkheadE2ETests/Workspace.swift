import BulkheadStore
import BulkheadTestSupport
import Foundation

/// Where a workspace keeps its data: a SQLite file, or a fresh database on the test PostgreSQL server.
enum Backend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres
    var description: String { rawValue }
}

/// Delivery and upstream settings written into a workspace's bulkhead.yaml.
struct SendSettings: Sendable {
    var upstreamPort: Int
    var concurrency = 8
    var batchSize = 10
    var maxConnections = 8
    var dkim = false
    /// Seconds before the first retry of a deferred message.
    var retryBaseSeconds: Double = 60
    /// `upstreams[].breaker` as YAML flow text (`{failures: 2, open_seconds: 1}`), if any.
    var breaker: String?
    /// Attempts before a deferred message is failed.
    var maxAttempts = 5
    /// The longest retry delay (default: `retryBaseSeconds`, at least 60).
    var retryMaxSeconds: Double?
    /// `delivery.lease_seconds` (default: the engine's).
    var leaseSeconds: Int?
    /// `logging.level`.
    var logLevel = "warning"
    /// `guardrails` as YAML flow text. The default lets large sends through without an undo window,
    /// approval, confirmation or canary: tests of those guardrails set their own.
    var guardrails = "{undo_seconds: 0, approval_recipients: 100000000, confirm_recipients: 100000000, canary: {percent: 0}}"
    /// No upstream: messages go to the capture mailbox (`upstreamPort` is ignored).
    var captureOnly = false
    /// More top-level YAML sections, appended as written.
    var extraYAML = ""
}

/// One test's world: a temporary folder with its own bulkhead.yaml and data directory (and, on
/// PostgreSQL, its own database), plus helpers to run the CLI in it. `discard()` removes it all.
final class Workspace: @unchecked Sendable {
    let root: URL
    let backend: Backend
    /// The PostgreSQL URL of this workspace's own database (nil on SQLite).
    let postgresURL: String?
    private let postgresDatabase: String?
    /// The server holding that database.
    private let postgresServer: String?
    private var commandNumber = 0

    static let fromDomain = "e2e.example"

    /// On PostgreSQL the database is created on `postgresServer` (a URL), by default the test server
    /// of BULKHEAD_TEST_POSTGRES_URL.
    init(_ backend: Backend, postgresServer: String? = nil) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        self.backend = backend
        switch backend {
        case .sqlite:
            postgresURL = nil
            postgresDatabase = nil
            self.postgresServer = nil
        case .postgres:
            let name = "e2e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let server = try postgresServer ?? Self.serverURL()
            self.postgresServer = server
            try await Self.psql(server, "CREATE DATABASE \(name)", in: root)
            var components = URLComponents(string: server)
            components?.path = "/" + name
            guard let url = components?.string else { throw E2EError("cannot build a URL from \(server)") }
            postgresURL = url
            postgresDatabase = name
        }
    }

    static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["BULKHEAD_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw E2EError(
                """
                BULKHEAD_TEST_POSTGRES_URL is not set: the PostgreSQL cases need a server. Run the tests with \
                `source scripts/test-deps/postgres.sh && swift test --skip-build --filter bulkheadE2ETests` (scripts/test.sh does).
                """)
        }
        return url
    }

    /// Runs one SQL statement with `psql` (only to create and drop this workspace's database).
    static func psql(_ url: String, _ sql: String, in directory: URL) async throws {
        let candidates =
            ["/usr/bin/psql"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin/psql" }
        guard let psql = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw E2EError("psql not found (Debian's postgresql-client; scripts/test-deps/postgres.sh installs postgresql)")
        }
        let child = try ChildProcess(
            name: "psql", executable: URL(fileURLWithPath: psql),
            arguments: ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql], directory: directory,
            logPrefix: directory.appendingPathComponent("psql-\(UUID().uuidString)").path)
        let result = try await child.finish(timeout: .seconds(60))
        guard result.status == 0 else { throw E2EError("psql \(sql): \(result.summary)") }
    }

    var dataDirectory: URL { root.appendingPathComponent("data") }
    var keysDirectory: URL { root.appendingPathComponent("keys") }
    var configPath: String { root.appendingPathComponent("bulkhead.yaml").path }

    /// Writes bulkhead.yaml: this workspace's store, one upstream on loopback, DKIM if asked.
    func writeConfiguration(_ settings: SendSettings) throws {
        var yaml = """
            data_directory: \(dataDirectory.path)
            storage:
              backend: \(backend.rawValue)

            """
        if let postgresURL { yaml += "  postgres_url: \(postgresURL)\n" }
        yaml += """
            identity:
              from: "E2E News <news@\(Self.fromDomain)>"
              unsubscribe_base_url: https://\(Self.fromDomain)
              postal_address: "E2E Shop, 1 Loopback Road, Localhost"
            delivery:
              concurrency: \(settings.concurrency)
              batch_size: \(settings.batchSize)
              control_poll_milliseconds: 200
              retry_base_seconds: \(settings.retryBaseSeconds)
              max_attempts: \(settings.maxAttempts)
              retry_max_seconds: \(settings.retryMaxSeconds ?? max(settings.retryBaseSeconds, 60))
            \(settings.leaseSeconds.map { "  lease_seconds: \($0)\n" } ?? "")\(settings.captureOnly ? "upstreams: []\n" : upstreams(settings))guardrails: \(settings.guardrails)
            logging:
              level: \(settings.logLevel)

            """
        yaml += settings.extraYAML
        if settings.dkim {
            yaml += """
                dkim:
                  domain: \(Self.fromDomain)
                  selector: s1
                  private_key_file: \(keysDirectory.appendingPathComponent("s1.private.pem").path)

                """
        }
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private func upstreams(_ settings: SendSettings) -> String {
        """
        upstreams:
          - name: sink
            host: 127.0.0.1
            port: \(settings.upstreamPort)
            tls: "off"
            max_connections: \(settings.maxConnections)
            messages_per_connection: 100000
        \(settings.breaker.map { "    breaker: \($0)\n" } ?? "")
        """
    }

    /// Starts `bulkhead ARGUMENTS` in the workspace (where bulkhead.yaml is found by default).
    /// `input` is written to its standard input (then closed); `environment` is added to this process's.
    func start(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ChildProcess {
        commandNumber += 1
        let label = "bulkhead-\(commandNumber)-\(arguments.prefix(2).joined(separator: "-"))"
        let executable = BulkheadBinary.executable
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw E2EError("the bulkhead executable is not built (swift build --build-tests), looked for \(executable.path)")
        }
        let pipe = input.map { _ in Pipe() }
        let child = try ChildProcess(
            name: "bulkhead \(arguments.joined(separator: " "))", executable: executable, arguments: arguments,
            directory: root, logPrefix: root.appendingPathComponent(label).path, standardInput: pipe, environment: environment)
        if let pipe, let input {
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        }
        return child
    }

    /// Runs `bulkhead ARGUMENTS` to completion and requires exit status 0.
    @discardableResult
    func bulkhead(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> CommandResult {
        let result = try await start(arguments).finish(timeout: timeout)
        guard result.status == 0 else { throw E2EError("bulkhead \(arguments.joined(separator: " ")) failed: \(result.summary)") }
        return result
    }

    /// A self-signed certificate for localhost and its key (openssl, cert.pem and key.pem in the
    /// workspace); returns the `listener_tls` setting that names them.
    func selfSignedListenerTLS() async throws -> String {
        let openssl = try ChildProcess(
            name: "openssl", executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1",
                "-subj", "/CN=localhost",
            ],
            directory: root, logPrefix: root.appendingPathComponent("openssl").path)
        let result = try await openssl.finish(timeout: .seconds(60))
        guard result.status == 0 else { throw E2EError("openssl req failed: \(result.summary)") }
        return "listener_tls: {certificate_file: \(root.appendingPathComponent("cert.pem").path), "
            + "private_key_file: \(root.appendingPathComponent("key.pem").path)}"
    }

    /// `bulkhead dkim keygen` (ed25519) into keys/; returns the DNS TXT file's path.
    func generateDKIMKey() async throws -> String {
        try await bulkhead([
            "dkim", "keygen", "--algorithm", "ed25519", "--domain", Self.fromDomain, "--selector", "s1",
            "--out", keysDirectory.path,
        ])
        return keysDirectory.appendingPathComponent("s1.dns.txt").path
    }

    /// `bulkhead campaign create` with a personalised text template; returns the campaign's id.
    func createCampaign(list: String, name: String = "e2e", subject: String = "News for {{first_name}}") async throws -> Int64 {
        let text = root.appendingPathComponent("body.txt")
        try "Hello {{first_name}},\n\nthis is the end-to-end message for {{email}}.\nUnsubscribe: {{unsubscribe_url}}\n"
            .write(to: text, atomically: true, encoding: .utf8)
        let result = try await bulkhead([
            "campaign", "create", "--name", name, "--list", list, "--subject", subject,
            "--text", text.path, "--json",
        ])
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let id = (object["id"] as? NSNumber)?.int64Value
        else {
            throw E2EError("campaign create printed no id: \(result.stdout)")
        }
        return id
    }

    /// Opens this workspace's store in the test process (the same file or database the CLI uses).
    func withStore<T: Sendable>(_ body: (any MailStore) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite:
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            let store = try SQLiteStore(path: dataDirectory.appendingPathComponent("bulkhead.sqlite").path)
            return try await body(store)
        case .postgres:
            guard let postgresURL else { throw E2EError("no database") }
            var configuration = try PostgresStore.Configuration(url: postgresURL)
            // The test's own look at the store, under the whole parallel suite's load: two fresh-clone
            // runs had a connection (start-up and migration check) pass the 30 s default at the suite's
            // busiest minute. The workers under test keep their configured bound.
            configuration.startupTimeout = .seconds(120)
            let store = try await PostgresStore.connect(configuration)
            do {
                let value = try await body(store)
                await store.close()
                return value
            } catch {
                await store.close()
                throw error
            }
        }
    }

    /// Creates the list and `count` confirmed subscribers r<i>@rcpt.e2e.example (named "Reader <i>"),
    /// through the store's bulk import in batches of 1,000; returns their addresses in order.
    @discardableResult
    func populate(list: String, count: Int) async throws -> [String] {
        let addresses = (0..<count).map { Self.recipient($0) }
        try await withStore { store in
            let created = try await store.createList(name: list, description: "end-to-end test list")
            var start = 0
            while start < count {
                let end = min(count, start + 1000)
                let rows = try (start..<end).map { ImportRow(address: try NormalizedAddress(addresses[$0]), name: "Reader \($0)") }
                let outcomes = try await store.importSubscribers(
                    rows, into: created.id, importID: "e2e",
                    consent: ImportConsent(defaultStatus: .confirmed, source: "e2e test"))
                guard outcomes.allSatisfy({ $0 == .inserted }) else { throw E2EError("import rows not all inserted: \(Set(outcomes))") }
                start = end
            }
        }
        return addresses
    }

    static func recipient(_ index: Int) -> String { "r\(index)@rcpt.e2e.example" }

    /// Creates the list and imports `count` confirmed subscribers the way a person would: a CSV file
    /// through `bulkhead list create` and `bulkhead subscribers import`; returns their addresses.
    @discardableResult
    func importThroughCLI(list: String, count: Int) async throws -> [String] {
        let addresses = (0..<count).map { Self.recipient($0) }
        let csv = root.appendingPathComponent("people.csv")
        try ("email,name\n" + addresses.enumerated().map { "\($1),Reader \($0)\n" }.joined()).write(to: csv, atomically: true, encoding: .utf8)
        try await bulkhead(["list", "create", list, "--description", "end-to-end test list"])
        try await bulkhead(["subscribers", "import", csv.path, "--list", list, "--source", "e2e test"])
        return addresses
    }

    /// The whole ledger of a campaign, read through the store.
    func ledger(_ campaign: Int64) async throws -> [LedgerEntry] {
        try await withStore { store in
            try await store.ledgerEntries(campaign: CampaignID(rawValue: campaign)).reduce(into: []) { $0.append($1) }
        }
    }

    func campaign(_ id: Int64) async throws -> Campaign {
        try await withStore { store in
            guard let campaign = try await store.campaign(id: CampaignID(rawValue: id)) else { throw E2EError("no campaign \(id)") }
            return campaign
        }
    }

    /// Removes the folder and drops the PostgreSQL database.
    func discard() async {
        if let postgresDatabase, let server = postgresServer {
            try? await Self.psql(server, "DROP DATABASE IF EXISTS \(postgresDatabase) WITH (FORCE)", in: FileManager.default.temporaryDirectory)
        }
        try? FileManager.default.removeItem(at: root)
    }
}
