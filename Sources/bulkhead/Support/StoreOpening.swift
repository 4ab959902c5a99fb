import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// The `--config FILE` option shared by every command that reads the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .customLong("config"), help: "The configuration file (default: ./bulkhead.yaml, or the built-in defaults when it does not exist).")
    var path: String?
}

/// Loads the configuration and opens the store it names: SQLite in the data directory (created if
/// needed) or PostgreSQL. Every failure becomes a message on stderr and exit code 1.
enum StoreOpening {
    /// The configuration at `path` (or `./bulkhead.yaml`, or the defaults).
    /// Its secrets are masked in every message printed from then on (``CLISecrets``).
    static func configuration(_ path: String?) throws(ExitCode) -> BulkheadConfiguration {
        do {
            let configuration = try BulkheadConfiguration.load(path: path)
            CLISecrets.register(configuration)
            return configuration
        } catch {
            throw CLIError.fail("\(path ?? BulkheadConfiguration.defaultFileName): \(error)", code: 1)
        }
    }

    /// Runs `body` with the store of the configuration at `path`, closing it afterwards. Store errors
    /// thrown by `body` are printed and become exit code 1.
    static func withStore<T>(config path: String?, _ body: (any MailStore, BulkheadConfiguration) async throws -> T) async throws -> T {
        let config = try configuration(path)
        // The engine's one way to open a store (data directory 0700, migrations, the address upgrade).
        let store: any MailStore
        let close: @Sendable () async -> Void
        do {
            (store, close) = try await BulkheadEnvironment.openStore(config, logger: CLILogging.logger(config))
        } catch {
            switch config.storage.backend {
            case .sqlite: throw CLIError.fail("cannot open the database \(config.path(config.storage.sqlitePath)): \(error)", code: 1)
            case .postgres: throw CLIError.fail("cannot open the PostgreSQL store: \(error)", code: 1)
            }
        }
        do {
            let value = try await body(store, config)
            await close()
            return value
        } catch let error as ExitCode {
            await close()
            throw error
        } catch let error as StoreError {
            await close()
            throw CLIError.fail("\(error)", code: 1)
        } catch {
            await close()
            throw error
        }
    }

    /// The list called `name`, or exit 1 with a hint.
    static func list(named name: String, in store: any MailStore) async throws -> MailingList {
        guard let list = try await store.list(named: name) else {
            throw CLIError.fail("no list named \"\(name)\" (create it with: bulkhead list create \(name))", code: 1)
        }
        return list
    }
}
