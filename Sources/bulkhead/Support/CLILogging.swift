import BulkheadEngine
import Logging

/// The logger commands hand to the engine: one line per event on stderr, at the configured level,
/// recipient addresses only at debug, the configuration's secrets never.
enum CLILogging {
    static func logger(_ configuration: BulkheadConfiguration) -> Logger {
        let level = Logger.Level(rawValue: configuration.logging.level.rawValue) ?? .info
        let format: LineLogHandler.Format = configuration.logging.format == .json ? .json : .text
        let redactor = SecretRedactor(configuration)
        return Logger(label: "bulkhead") { label in LineLogHandler(label: label, format: format, level: level, redactor: redactor) }
    }
}
