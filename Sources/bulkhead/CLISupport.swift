import ArgumentParser
import Foundation

/// Errors and output shared by the subcommands: messages go to stderr, the exit code says what failed.
enum CLIError {
    /// Prints `message` to stderr, secrets masked (``CLISecrets``), and returns the exit code to throw.
    static func fail(_ message: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("bulkhead: \(CLISecrets.redact(message))\n".utf8))
        return ExitCode(code)
    }
}

/// JSON output for `--json` flags: sorted keys, pretty-printed, one document.
enum CLIJSON {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension CLIJSON {
    /// One line of JSON, keys sorted.
    static func encodeCompact(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

