/// The version `bulkhead --version` prints.
enum BulkheadVersion {
    static let current = "0.1.0"
}
