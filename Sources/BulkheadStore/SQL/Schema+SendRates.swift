extension Schema {
    /// Version 14, sending limits shared by every worker of the store: `send_rate_keys`, one row per
    /// limited key (an upstream), locked by each grant so that workers take permits one after another,
    /// and `send_rate_buckets`, the permits granted per key and window in buckets of a twentieth of the
    /// window; buckets older than the window are dropped as new ones come.
    static func version14(_ dialect: SQLDialect) -> [String] {
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            "CREATE TABLE send_rate_keys (key TEXT PRIMARY KEY)",
            """
            CREATE TABLE send_rate_buckets (key TEXT NOT NULL REFERENCES send_rate_keys(key), window_ms \(int) NOT NULL,
              bucket \(int) NOT NULL, sent \(int) NOT NULL, PRIMARY KEY (key, window_ms, bucket))
            """,
        ]
    }
}
