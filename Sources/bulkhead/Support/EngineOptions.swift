import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `--config` and the actor name, shared by the commands that open the engine.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: ./bulkhead.yaml if it exists, else the built-in defaults).")
    var config: String?

    @Option(name: .long, help: "Who is acting, for the audit log (default: $USER).")
    var actor: String?

    var actorName: String {
        actor ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
    }

    /// The loaded configuration (its secrets masked in every message from then on), or exit 1 with the
    /// specific error.
    func configuration() throws -> BulkheadConfiguration {
        try StoreOpening.configuration(config)
    }

    /// Runs `body` with the configured store open, and closes it afterwards.
    func withStore<T: Sendable>(_ body: (any MailStore) async throws -> T) async throws -> T {
        let configuration = try configuration()
        let opened: (any MailStore, @Sendable () async -> Void)
        do {
            opened = try await BulkheadEnvironment.openStore(configuration, logger: CLILogging.logger(configuration))
        } catch {
            throw CLIError.fail("cannot open the store: \(error)", code: 1)
        }
        do {
            let result = try await body(opened.0)
            await opened.1()
            return result
        } catch {
            await opened.1()
            throw error
        }
    }

    /// Opens store, transport, signer and tokens; exit 1 with the reason when one cannot be opened.
    func environment() async throws -> BulkheadEnvironment {
        let configuration = try configuration()
        do {
            return try await BulkheadEnvironment.open(configuration, logger: CLILogging.logger(configuration))
        } catch {
            throw CLIError.fail("cannot open the engine: \(error)", code: 1)
        }
    }
}
