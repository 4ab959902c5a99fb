import BulkheadEngine
import Synchronization

/// The secrets of the configuration a command loaded, masked in every message the command prints
/// (``CLIError/fail(_:code:)``, errors that reach `main`, log lines): a password must never reach a
/// terminal or a log file, whatever message quotes it.
///
/// ```swift
/// CLISecrets.register(configuration)
/// CLISecrets.redact("no user in postgres://:S3cret@db/x")   // "no user in postgres://:********@db/x"
/// ```
enum CLISecrets {
    private static let current = Mutex(SecretRedactor.none)

    /// Adds the secrets of `configuration`.
    static func register(_ configuration: BulkheadConfiguration) {
        let added = SecretRedactor(configuration)
        current.withLock { $0 = $0.merging(added) }
    }

    /// `text` with every registered secret masked.
    static func redact(_ text: String) -> String {
        current.withLock { $0 }.redact(text)
    }
}
