import BulkheadStore
import Foundation

/// One ledger line as printed.
struct LedgerRow: Encodable {
    var address: String
    var state: String
    var attempts: Int
    var lastReplyCode: Int?
    var lastReplyText: String?
    var updatedAt: String

    init(_ entry: LedgerEntry) {
        address = entry.address.value
        state = entry.state.rawValue
        attempts = entry.attempts
        lastReplyCode = entry.lastReply?.code
        lastReplyText = entry.lastReply?.text
        updatedAt = CLITime.format(entry.updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case address, state, attempts
        case lastReplyCode = "last_reply_code"
        case lastReplyText = "last_reply_text"
        case updatedAt = "updated_at"
    }

    /// Encodes explicit nulls so every object has the same keys.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .address)
        try container.encode(state, forKey: .state)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastReplyCode, forKey: .lastReplyCode)
        try container.encode(lastReplyText, forKey: .lastReplyText)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    func json(_ encoder: JSONEncoder) throws -> String {
        String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
