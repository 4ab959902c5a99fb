public import Foundation

/// Where the tests find the built `bulkhead` executable and the repository.
public enum BulkheadBinary {
    /// The executable beside the test bundle (`swift build --build-tests` builds both), or `BULKHEAD_BIN`.
    public static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["BULKHEAD_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("bulkhead")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/bulkhead")
    }

    /// The repository's root folder (this file is `Tests/BulkheadTestSupport/BulkheadBinary.swift`).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}
