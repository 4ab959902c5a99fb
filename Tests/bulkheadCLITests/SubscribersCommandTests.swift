import BulkheadStore
import Foundation
import Testing

@Suite struct SubscribersCommandTests {
    static let people = """
        Email Address,First Name,Last Name,City,attributes,status
        ann@Example.com,Ann,Lee,Oslo,"{""plan"": ""pro"", ""seats"": 3}",subscribed
        not-an-address,Bob,,,,
        cat@example.com,Cat,,,"{""a"": [1, {""b"": null}]}",pending
        ann@example.com,Ann Two,,,,
        dan@example.com,Dan,"O'Neil, Jr",Bergen,,unsubscribed
        eve@example.com,Eve,,,[1],
        "fay@example.com",,,,,

        """

    @Test func importReportsBadRowsAndDuplicatesThenExportReimportsEqual() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let csv = directory.appendingPathComponent("people.csv")
        try Data(Self.people.utf8).write(to: csv)
        #expect(try CLIRunner.run(["list", "create", "news"], in: directory).status == 0)
        #expect(try CLIRunner.run(["list", "create", "copy"], in: directory).status == 0)

        let result = try CLIRunner.run(["subscribers", "import", csv.path, "--list", "news", "--source", "crm"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "imported \(csv.path) into news: 7 rows read, 4 inserted, 0 updated, 1 duplicates, 0 kept unsubscribed, 2 invalid")
        #expect(lines.dropFirst().first == "invalid rows (2):")
        #expect(lines.count == 4)
        #expect(lines.dropFirst(2).first?.hasPrefix("  line 3: invalid address \"not-an-address\"") == true)
        #expect(lines.last == "  line 7: the attributes column is not a JSON object")

        let exported = directory.appendingPathComponent("news.csv")
        let export = try CLIRunner.run(["subscribers", "export", "--list", "news", "--output", exported.path], in: directory)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr == "bulkhead: wrote 4 members to \(exported.path)\n")
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(
            text == """
                email,name,status,attributes\r
                ann@example.com,Ann Lee,confirmed,"{""City"":""Oslo"",""plan"":""pro"",""seats"":3}"\r
                cat@example.com,Cat,unconfirmed,"{""a"":[1,{""b"":null}]}"\r
                dan@example.com,"Dan O'Neil, Jr",unsubscribed,"{""City"":""Bergen""}"\r
                fay@example.com,,confirmed,{}\r

                """)

        let reimport = try CLIRunner.run(["subscribers", "import", exported.path, "--list", "copy", "--json"], in: directory)
        #expect(reimport.status == 0, "\(reimport.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(reimport.stdout.utf8)) as? [String: Any])
        #expect(report["rowsRead"] as? Int == 4)
        #expect(report["inserted"] as? Int == 4, "new memberships of the second list (the subscribers exist)")
        #expect(report["invalid"] as? Int == 0)
        let copy = try CLIRunner.run(["subscribers", "export", "--list", "copy"], in: directory)
        #expect(copy.status == 0)
        #expect(copy.stdout == text)

        let confirmedOnly = try CLIRunner.run(["subscribers", "export", "--list", "news", "--status", "confirmed"], in: directory)
        #expect(
            confirmedOnly.stdout.split(separator: "\r\n").map(String.init) == [
                "email,name,status,attributes",
                "ann@example.com,Ann Lee,confirmed,\"{\"\"City\"\":\"\"Oslo\"\",\"\"plan\"\":\"\"pro\"\",\"\"seats\"\":3}\"",
                "fay@example.com,,confirmed,{}",
            ])
    }

    @Test func importFailuresExitOne() throws {
        let directory = try CLIRunner.temporaryDirectory()
        #expect(try CLIRunner.run(["list", "create", "news"], in: directory).status == 0)
        let missing = try CLIRunner.run(["subscribers", "import", "none.csv", "--list", "news"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.stderr == "bulkhead: none.csv: cannot read none.csv: no such file\n")

        let noEmail = directory.appendingPathComponent("names.csv")
        try Data("name,city\nAnn,Oslo\n".utf8).write(to: noEmail)
        let header = try CLIRunner.run(["subscribers", "import", noEmail.path, "--list", "news"], in: directory)
        #expect(header.status == 1)
        #expect(header.stderr.contains("no e-mail column in the header record [\"name\", \"city\"]"))

        let noList = try CLIRunner.run(["subscribers", "import", noEmail.path, "--list", "nope"], in: directory)
        #expect(noList.status == 1)
        #expect(noList.stderr == "bulkhead: no list named \"nope\" (create it with: bulkhead list create nope)\n")

        let output = directory.appendingPathComponent("out.csv").path
        let exportMissing = try CLIRunner.run(["subscribers", "export", "--list", "nope", "--output", output], in: directory)
        #expect(exportMissing.status == 1)
        #expect(!FileManager.default.fileExists(atPath: output), "no file is created for a list that does not exist")

        let badStatus = try CLIRunner.run(["subscribers", "import", noEmail.path, "--list", "news", "--status", "unsubscribed"], in: directory)
        #expect(badStatus.status != 0)
    }

    @Test func showsMembershipsConsentAndSuppression() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let csv = directory.appendingPathComponent("people.csv")
        try Data(Self.people.utf8).write(to: csv)
        #expect(try CLIRunner.run(["list", "create", "news"], in: directory).status == 0)
        #expect(
            try CLIRunner.run(
                [
                    "subscribers", "import", csv.path, "--list", "news", "--source", "crm",
                    "--channel", "https://shop.example/signup", "--consent-text", "Send me news",
                ], in: directory
            ).status == 0)

        let store = try SQLiteStore(path: directory.appendingPathComponent(".bulkhead/bulkhead.sqlite").path)
        try await store.addSuppression(
            Suppression(
                address: try NormalizedAddress("ann@example.com"), reason: .hardBounce,
                at: Date(timeIntervalSince1970: 1_800_000_000), source: "campaign 1",
                note: "550 5.1.1 no such user"), actor: .system)

        let show = try CLIRunner.run(["subscribers", "show", "ann@EXAMPLE.com"], in: directory)
        #expect(show.status == 0, "\(show.stderr)")
        let lines = show.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "ann@example.com")
        #expect(lines.contains("  name: Ann Lee"))
        #expect(lines.contains("  attributes: {\"City\":\"Oslo\",\"plan\":\"pro\",\"seats\":3}"))
        #expect(lines.contains { $0.hasPrefix("  news: confirmed (since ") })
        #expect(lines.contains { $0.hasSuffix(" news: given via import, source crm, from https://shop.example/signup, shown \"Send me news\"") })
        #expect(lines.last == "suppressed: hard-bounce since 2027-01-15T08:00:00.000Z, source campaign 1 (550 5.1.1 no such user)")

        let json = try CLIRunner.run(["subscribers", "show", "cat@example.com", "--json"], in: directory)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["address"] as? String == "cat@example.com")
        let memberships = try #require(object["memberships"] as? [[String: Any]])
        #expect(memberships.map { $0["status"] as? String } == ["unconfirmed"])
        #expect((object["consent"] as? [Any])?.isEmpty == true, "an unconfirmed import records no consent")
        #expect(object["suppression"] == nil)

        let unknown = try CLIRunner.run(["subscribers", "show", "zed@example.com"], in: directory)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "bulkhead: no subscriber zed@example.com\n")
        let invalid = try CLIRunner.run(["subscribers", "show", "zed"], in: directory)
        #expect(invalid.status == 1)
    }
}

@Suite struct SubscribersPostgresTests {
    /// The same import → export → re-import → show round trip on the PostgreSQL backend (the server
    /// named by BULKHEAD_TEST_POSTGRES_URL, which scripts/test.sh starts), with names unique to the run.
    @Test func roundTripOnPostgres() throws {
        guard let url = ProcessInfo.processInfo.environment["BULKHEAD_TEST_POSTGRES_URL"], !url.isEmpty else {
            Issue.record("BULKHEAD_TEST_POSTGRES_URL is not set: run `source scripts/test-deps/postgres.sh` first (scripts/test.sh does)")
            return
        }
        let directory = try CLIRunner.temporaryDirectory()
        try Data("storage:\n  backend: postgres\n  postgres_url: \(url)\n".utf8).write(to: directory.appendingPathComponent("bulkhead.yaml"))
        let run = UUID().uuidString.lowercased().prefix(8)
        let domain = "run-\(run).example"
        let csv = directory.appendingPathComponent("people.csv")
        try Data("email,name,status,attributes\na@\(domain),A,,\"{\"\"k\"\":1}\"\nb@\(domain),B,unsubscribed,\nbad,,,\na@\(domain),,,\n".utf8).write(
            to: csv)
        #expect(try CLIRunner.run(["list", "create", "news-\(run)"], in: directory).status == 0)
        #expect(try CLIRunner.run(["list", "create", "copy-\(run)"], in: directory).status == 0)
        let imported = try CLIRunner.run(["subscribers", "import", csv.path, "--list", "news-\(run)"], in: directory)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(
            imported.stdout.hasPrefix(
                "imported \(csv.path) into news-\(run): 4 rows read, 2 inserted, 0 updated, 1 duplicates, 0 kept unsubscribed, 1 invalid\n"))

        let export = try CLIRunner.run(["subscribers", "export", "--list", "news-\(run)"], in: directory)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout == "email,name,status,attributes\r\na@\(domain),A,confirmed,\"{\"\"k\"\":1}\"\r\nb@\(domain),B,unsubscribed,{}\r\n")
        let exported = directory.appendingPathComponent("news.csv")
        try Data(export.stdout.utf8).write(to: exported)
        #expect(try CLIRunner.run(["subscribers", "import", exported.path, "--list", "copy-\(run)"], in: directory).status == 0)
        let copy = try CLIRunner.run(["subscribers", "export", "--list", "copy-\(run)"], in: directory)
        #expect(copy.stdout == export.stdout)

        let show = try CLIRunner.run(["subscribers", "show", "b@\(domain)", "--json"], in: directory)
        #expect(show.status == 0, "\(show.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let memberships = try #require(object["memberships"] as? [[String: Any]])
        #expect(memberships.map { $0["list"] as? String } == ["news-\(run)", "copy-\(run)"])
        #expect((object["consent"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["withdrawn", "withdrawn"])
        #expect(object["suppression"] == nil)
    }
}
