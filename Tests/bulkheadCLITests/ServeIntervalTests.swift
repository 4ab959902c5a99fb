import Foundation
import Testing

/// `serve --interval` with hostile numbers: refused up front, never a crash after the first pass.
@Suite struct ServeIntervalTests {
    @Test(arguments: ["inf", "nan", "1e16", "31536001", "0", "-1"])
    func anIntervalThatCannotBeWaitedIsRefused(interval: String) throws {
        let workspace = try CLIWorkspace()
        let result = try workspace.run(["serve", "--once", "--interval=\(interval)"])
        #expect(result.status == 64, "\(interval): \(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: --interval must be positive and at most 31536000 seconds (a year)\n"), "\(interval)")
    }
}
