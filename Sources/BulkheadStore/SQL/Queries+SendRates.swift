/// Sending limits shared by the workers of a store (see ``MailStore/takeSendPermits(_:wanted:limits:)``).
extension Queries {
    static func insertSendRateKey(_ key: String) -> SQLStatement {
        SQLStatement("INSERT INTO send_rate_keys (key) VALUES (?) ON CONFLICT (key) DO NOTHING", [.text(key)])
    }

    /// Locks a key's row (PostgreSQL; SQLite's writer is one at a time anyway) until the grant commits.
    static func lockSendRateKey(_ key: String, _ dialect: SQLDialect) -> SQLStatement {
        SQLStatement("SELECT key FROM send_rate_keys WHERE key = ?\(dialect.forUpdate)", [.text(key)])
    }

    static func pruneSendRateBuckets(_ key: String, windowMilliseconds: Int64, before bucket: Int64) -> SQLStatement {
        SQLStatement(
            "DELETE FROM send_rate_buckets WHERE key = ? AND window_ms = ? AND bucket < ?",
            [.text(key), .int(windowMilliseconds), .int(bucket)])
    }

    static func sendRateBuckets(_ key: String, windowMilliseconds: Int64) -> SQLStatement {
        SQLStatement(
            "SELECT bucket, sent FROM send_rate_buckets WHERE key = ? AND window_ms = ? ORDER BY bucket",
            [.text(key), .int(windowMilliseconds)])
    }

    static func addToSendRateBucket(_ key: String, windowMilliseconds: Int64, bucket: Int64, sent: Int) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO send_rate_buckets (key, window_ms, bucket, sent) VALUES (?, ?, ?, ?)
            ON CONFLICT (key, window_ms, bucket) DO UPDATE SET sent = send_rate_buckets.sent + excluded.sent
            """, [.text(key), .int(windowMilliseconds), .int(bucket), .int(Int64(sent))])
    }
}
