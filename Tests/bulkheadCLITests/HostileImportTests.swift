import Foundation
import Testing

/// Issue 7, item 3: a CSV with a NUL in a name, the UTF-8 form of a lone surrogate, and a 1 MB field
/// imports the same on SQLite and on PostgreSQL: the bad rows are reported by line, the rest is kept
/// (before, PostgreSQL aborted the whole import on the NUL, 22P05). The store itself keeps 1 MB
/// fields (conformance suite); the CSV reader refuses fields over 64 KiB per row.
@Suite struct HostileImportTests {
    static func csv(domain: String) -> Data {
        var bytes = Array("email,name\nok1@\(domain),Ann\nnul@\(domain),A\u{0}nn\n".utf8)
        bytes += Array("surrogate@\(domain),B".utf8) + [0xED, 0xA0, 0x80] + Array("b\n".utf8)
        bytes += Array("big@\(domain),\(String(repeating: "x", count: 1_000_000))\nok2@\(domain),Zoë\n".utf8)
        return Data(bytes)
    }

    static func importBoth(_ directory: URL, configuration: String, list: String, domain: String) throws -> CLIRunner.Result {
        try Data(configuration.utf8).write(to: directory.appendingPathComponent("bulkhead.yaml"))
        let file = directory.appendingPathComponent("hostile.csv")
        try csv(domain: domain).write(to: file)
        #expect(try CLIRunner.run(["list", "create", list], in: directory).status == 0)
        return try CLIRunner.run(["subscribers", "import", file.path, "--list", list], in: directory)
    }

    @Test func hostileRowsAreReportedAlikeOnBothBackends() throws {
        let run = UUID().uuidString.lowercased().prefix(8)
        let domain = "hostile-\(run).example"
        let sqliteDirectory = try CLIRunner.temporaryDirectory()
        let sqlite = try Self.importBoth(
            sqliteDirectory, configuration: "data_directory: \(sqliteDirectory.path)/data\n",
            list: "l-\(run)", domain: domain)
        #expect(sqlite.status == 0, "\(sqlite.stderr)")
        let expected = """
            5 rows read, 2 inserted, 0 updated, 0 duplicates, 0 kept unsubscribed, 3 invalid
            """
        #expect(sqlite.stdout.contains(expected), "\(sqlite.stdout)")
        #expect(sqlite.stdout.contains("line 3: field 2 holds a NUL character"), "\(sqlite.stdout)")
        #expect(sqlite.stdout.contains("line 4: field 2 is not valid UTF-8"), "\(sqlite.stdout)")
        #expect(sqlite.stdout.contains("line 5: a field is longer than 65536 bytes"), "\(sqlite.stdout)")

        guard let url = ProcessInfo.processInfo.environment["BULKHEAD_TEST_POSTGRES_URL"], !url.isEmpty else {
            Issue.record("BULKHEAD_TEST_POSTGRES_URL is not set: run `source scripts/test-deps/postgres.sh` first (scripts/test.sh does)")
            return
        }
        let postgresDirectory = try CLIRunner.temporaryDirectory()
        let postgres = try Self.importBoth(
            postgresDirectory, configuration: "storage:\n  backend: postgres\n  postgres_url: \(url)\n",
            list: "l-\(run)", domain: domain)
        #expect(postgres.status == 0, "\(postgres.stderr)")
        #expect(
            postgres.stdout.replacingOccurrences(of: postgresDirectory.path, with: "X")
                == sqlite.stdout.replacingOccurrences(of: sqliteDirectory.path, with: "X"), "the same report on both backends")
        let export = try CLIRunner.run(["subscribers", "export", "--list", "l-\(run)"], in: postgresDirectory)
        #expect(export.stdout.contains("ok1@\(domain),Ann,confirmed") && export.stdout.contains("ok2@\(domain),Zoë,confirmed"))
    }
}
