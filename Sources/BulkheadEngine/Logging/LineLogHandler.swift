import Crypto
import Foundation
public import Logging

/// A swift-log handler that writes one line per event (text or JSON) and keeps recipient addresses out
/// of every line above `debug`: metadata under ``LineLogHandler/addressKeys`` is replaced by a short
/// SHA-256 tag (the same address always gets the same tag, so lines can still be correlated), and
/// anything shaped like an address in the message text is masked. The secrets of a ``SecretRedactor``
/// (passwords, keys) are masked at every level.
///
/// ```swift
/// LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: .text, level: .info) }
/// var logger = Logger(label: "bulkhead.delivery")
/// logger.info("sent", metadata: ["recipient": "ada@example.com", "campaign": "7"])
/// // 2026-11-23T10:00:00Z info bulkhead.delivery: sent campaign=7 recipient=addr:5f0c1a2b
/// ```
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable { case text, json }

    /// Metadata keys whose values are addresses.
    public static let addressKeys: Set<String> = ["recipient", "address", "to", "from", "mail_from", "rcpt"]

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    let format: Format
    let redactor: SecretRedactor
    let write: @Sendable (String) -> Void

    public init(
        label: String, format: Format, level: Logger.Level, redactor: SecretRedactor = .none,
        write: @escaping @Sendable (String) -> Void = LineLogHandler.standardError
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.redactor = redactor
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let revealAddresses = event.level <= .debug
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var fields: [(String, String)] = merged.map { key, value in
            let text = redactor.redact("\(value)")
            return (key, revealAddresses ? text : (Self.addressKeys.contains(key) ? Self.tag(text) : Self.maskAddresses(in: text)))
        }
        fields.sort { $0.0 < $1.0 }
        let text = redactor.redact("\(event.message)")
        let message = revealAddresses ? text : Self.maskAddresses(in: text)
        let time = Date.now.formatted(.iso8601)
        switch format {
        case .text:
            var line = "\(time) \(event.level) \(label): \(message)"
            for (key, value) in fields { line += " \(key)=\(value.contains(" ") ? "\"\(value)\"" : value)" }
            write(line)
        case .json:
            var object: [String: String] = ["time": time, "level": "\(event.level)", "label": label, "message": message]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            write(String(decoding: data, as: UTF8.self))
        }
    }

    /// `addr:` and the first 8 hex digits of the SHA-256 of the lowercased address.
    static func tag(_ address: String) -> String {
        let digest = SHA256.hash(data: Data(address.lowercased().utf8))
        return "addr:" + digest.prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// Replaces every `local@domain` run in `text` by its tag.
    static func maskAddresses(in text: String) -> String {
        guard text.contains("@") else { return text }
        var output = ""
        for (index, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { output += " " }
            if let at = word.firstIndex(of: "@"), at != word.startIndex, word.index(after: at) != word.endIndex {
                let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: "<>(),;:\"'[]"))
                output += word.replacingOccurrences(of: trimmed, with: tag(trimmed))
            } else {
                output += word
            }
        }
        return output
    }

    /// Writes a line to standard error.
    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
