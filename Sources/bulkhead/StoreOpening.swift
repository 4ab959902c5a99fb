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

/// Output written in large blocks (exports and ledgers can be millions of lines).
struct BufferedOutput {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// CSV text as RFC 4180 writes it, safe to open in a spreadsheet.
enum CSVText {
    /// One field: a value that would start a formula gets a leading `'` (``SpreadsheetFormulaGuard``,
    /// which the importer undoes); quoted when it holds a separator, a quote, a line break or
    /// leading/trailing space.
    static func field(_ raw: String) -> String {
        let value = SpreadsheetFormulaGuard.escape(raw)
        let needsQuotes = value.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || value.first?.isWhitespace == true || value.last?.isWhitespace == true
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record with its CRLF line end.
    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}

/// Times in output: ISO 8601 in UTC with milliseconds.
enum CLITime {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
