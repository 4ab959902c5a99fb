/// What `bulkhead bench mail --json` prints: the build kind, the seconds per case and every result.
struct BenchReport: Encodable {
    var build: String
    var seconds: Double
    var results: [BenchResult]

    static var buildKind: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }
}
