import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// `--config FILE`, taken by every command that reads the configuration, and the one way such a
/// command opens what the configuration names: the configuration alone, its store, or the whole engine
/// (store, transport, DKIM signers, unsubscribe tokens).
///
/// Every failure is a message on stderr and exit code 1: a configuration that cannot be read, a store
/// or an engine that cannot be opened, and a ``StoreError`` the command's body lets through (a campaign
/// that does not exist is ``CLIError/noSuchCampaign(_:)`` whichever store call found it missing). From the
/// moment the configuration is loaded its secrets are masked in every message (``CLISecrets``).
///
/// ```swift
/// @OptionGroup var config: ConfigOption
///
/// func run() async throws {
///     try await config.withStore { store, configuration in print(try await store.allLists().count) }
/// }
/// ```
struct ConfigOption: ParsableArguments {
    @Option(name: .customLong("config"), help: "The configuration file (default: ./bulkhead.yaml, or the built-in defaults when it does not exist).")
    var path: String?

    /// The configuration at `--config` (or `./bulkhead.yaml`, or the built-in defaults), or exit 1
    /// with the specific error.
    func load() throws(ExitCode) -> BulkheadConfiguration {
        do {
            let configuration = try BulkheadConfiguration.load(path: path)
            CLISecrets.register(configuration)
            return configuration
        } catch {
            throw CLIError.fail("\(path ?? BulkheadConfiguration.defaultFileName): \(error)", code: 1)
        }
    }

    /// Runs `body` with the configured store open (SQLite in the data directory, created if needed, or
    /// PostgreSQL), and closes it afterwards.
    func withStore<T>(_ body: (any MailStore, BulkheadConfiguration) async throws -> T) async throws -> T {
        let configuration = try load()
        let store: any MailStore
        let close: @Sendable () async -> Void
        do {
            (store, close) = try await BulkheadEnvironment.openStore(configuration, logger: CLILogging.logger(configuration))
        } catch {
            switch configuration.storage.backend {
            case .sqlite:
                throw CLIError.fail("cannot open the database \(configuration.path(configuration.storage.sqlitePath)): \(error)", code: 1)
            case .postgres:
                throw CLIError.fail("cannot open the PostgreSQL store: \(error)", code: 1)
            }
        }
        return try await Self.run(body: { try await body(store, configuration) }, thenClose: close)
    }

    /// Runs `body` with the engine open (store, transport, signers, tokens), and closes it afterwards.
    func withEnvironment<T>(_ body: (BulkheadEnvironment) async throws -> T) async throws -> T {
        let configuration = try load()
        let environment: BulkheadEnvironment
        do {
            environment = try await BulkheadEnvironment.open(configuration, logger: CLILogging.logger(configuration))
        } catch {
            throw CLIError.fail("cannot open the engine: \(error)", code: 1)
        }
        return try await Self.run(body: { try await body(environment) }, thenClose: { await environment.close() })
    }

    /// `body`'s result, after `close` (which runs whatever `body` throws). A ``StoreError`` from `body`
    /// becomes its message and exit 1 (a campaign that does not exist: ``CLIError/noSuchCampaign(_:)``).
    private static func run<T>(body: () async throws -> T, thenClose close: () async -> Void) async throws -> T {
        do {
            let value = try await body()
            await close()
            return value
        } catch StoreError.notFound(.campaign(let id)) {
            await close()
            throw CLIError.noSuchCampaign(id)
        } catch let error as StoreError {
            await close()
            throw CLIError.fail("\(error)", code: 1)
        } catch {
            await close()
            throw error
        }
    }
}
