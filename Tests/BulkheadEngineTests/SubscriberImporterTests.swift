import BulkheadStore
import Foundation
import Testing

@testable import BulkheadEngine

/// A fresh SQLite store with one list, in its own temporary folder.
struct ImportFixture {
    let store: SQLiteStore
    let list: MailingList
    let folder: URL

    init() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder.appendingPathComponent("store.sqlite").path)
        list = try await store.createList(name: "news", description: "")
    }

    func importer(status: MembershipStatus = .confirmed, batchSize: Int = 1_000, chunkSize: Int = 64 * 1024) -> SubscriberImporter {
        SubscriberImporter(
            store: store, list: list.id,
            options: .init(defaultStatus: status, source: "test.csv", batchSize: batchSize, chunkSize: chunkSize))
    }

    func write(_ bytes: [UInt8], name: String = "people.csv") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func member(_ address: String) async throws -> (Subscriber, MembershipStatus?)? {
        guard let subscriber = try await store.subscriber(address: try NormalizedAddress(address)) else { return nil }
        return (subscriber, try await store.membership(list: list.id, subscriber: subscriber.id)?.status)
    }
}

@Suite struct SubscriberImporterTests {
    @Test(arguments: [1, 7, 64 * 1024])
    func mixedRowsReportExactLineNumbers(chunkSize: Int) async throws {
        let fixture = try await ImportFixture()
        var bytes = Array(
            """
            email,name,status,attributes
            ann@Example.COM,Ann,subscribed,"{""plan"":""pro"",""seats"":3}"
            not-an-address,Bob,,
            cat@example.com,Cat,maybe,
            dan@example.com,Dan,,"[1,2]"
            "eve@example.com","Eve
            Smith",pending,

            ,NoMail,,
            fay@example.com,Fay,,,extra
            hal@example.com,H
            """.utf8)
        bytes += [0xFF] + Array("l,,\ngus@example.com,Gus,no,{}\n\"ivy@example.com,Ivy\n".utf8)
        let report = try await fixture.importer(chunkSize: chunkSize).importBytes(bytes)
        #expect(report.rowsRead == 10)
        #expect(report.inserted == 3)
        #expect(report.invalid == 7)
        #expect(report.errors.map(\.line) == [3, 4, 5, 9, 10, 11, 13])
        #expect(report.errors.first?.description.hasPrefix("line 3: invalid address \"not-an-address\": ") == true)
        // The unterminated quote at the end swallows the rest of the file: line 13 is reported once.
        #expect(
            report.errors.dropFirst().map(\.description) == [
                "line 4: unknown status \"maybe\" (use subscribed, confirmed, unconfirmed, pending, unsubscribed, … or leave it empty)",
                "line 5: the attributes column is not a JSON object",
                "line 9: no e-mail address",
                "line 10: 5 fields but the header has 4",
                "line 11: field 2 is not valid UTF-8",
                "line 13: a quoted field is never closed",
            ])
        let ann = try #require(try await fixture.member("ann@example.com"))
        #expect(ann.0.address.value == "ann@example.com")
        #expect(ann.0.name == "Ann")
        #expect(ann.0.attributes == ["plan": "pro", "seats": 3])
        #expect(ann.1 == .confirmed)
        let eve = try #require(try await fixture.member("eve@example.com"))
        #expect(eve.0.name == "Eve\nSmith")
        #expect(eve.1 == .unconfirmed)
        #expect(try await fixture.member("gus@example.com")?.1 == .unsubscribed)
        #expect(try await fixture.member("cat@example.com") == nil)
    }

    @Test func invalidRowCountIsCompleteButTheListIsBounded() async throws {
        let fixture = try await ImportFixture()
        var text = "email\n"
        for index in 0..<250 { text += index % 2 == 0 ? "bad\(index)\n" : "ok\(index)@example.com\n" }
        let report = try await fixture.importer(batchSize: 10).importBytes(Array(text.utf8))
        #expect(report.rowsRead == 250)
        #expect(report.invalid == 125)
        #expect(report.inserted == 125)
        #expect(report.errors.count == 100)
        #expect(report.errors.first?.line == 2)
        #expect(report.errors.last?.line == 200)
    }

    @Test(arguments: [1, 2, 1_000])
    func duplicatesWithinTheFileAreImportedOnce(batchSize: Int) async throws {
        let fixture = try await ImportFixture()
        let text = "email,name\nann@example.com,Ann\nbob@example.com,Bob\nann@EXAMPLE.com,Ann Again\nbob@example.com,\ncat@example.com,Cat\n"
        let report = try await fixture.importer(batchSize: batchSize).importBytes(Array(text.utf8))
        #expect(report.rowsRead == 5)
        #expect(report.inserted == 3)
        #expect(report.duplicates == 2)
        #expect(report.invalid == 0)
        #expect(try await fixture.member("ann@example.com")?.0.name == "Ann")

        // A second import of the same file updates instead (a new import, so no duplicates against the first).
        let again = try await fixture.importer(batchSize: batchSize).importBytes(Array(text.utf8))
        #expect(again.updated == 3)
        #expect(again.duplicates == 2)
        #expect(again.inserted == 0)
    }

    @Test func mailchimpLayout() async throws {
        let fixture = try await ImportFixture()
        let text = """
            Email Address,First Name,Last Name,Address,Phone Number,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,TAGS\r
            ann@example.com,Ann,Lee,,+44 20 7946 0000,2,2024-01-02 03:04:05,192.0.2.10,2024-01-02 03:05:00,"vip,beta"\r
            bob@example.com,,Stone,,,,,,,\r

            """
        let report = try await fixture.importer(status: .unconfirmed).importBytes(Array(text.utf8))
        #expect(report.inserted == 2)
        #expect(report.invalid == 0)
        let ann = try #require(try await fixture.member("ann@example.com"))
        #expect(ann.0.name == "Ann Lee")
        #expect(ann.1 == .unconfirmed)
        #expect(
            ann.0.attributes == [
                "Phone Number": "+44 20 7946 0000", "MEMBER_RATING": "2", "CONFIRM_TIME": "2024-01-02 03:05:00",
                "TAGS": "vip,beta", "optin_time": "2024-01-02 03:04:05", "optin_ip": "192.0.2.10",
            ])
        let bob = try #require(try await fixture.member("bob@example.com"))
        #expect(bob.0.name == "Stone")
        #expect(bob.0.attributes == [:])
    }

    @Test func listmonkLayout() async throws {
        let fixture = try await ImportFixture()
        let text = """
            uuid,email,name,attributes,status,created_at,updated_at
            0b1c,ann@example.com,Ann Lee,"{""city"": ""Oslo"", ""projects"": [1, 2]}",enabled,2024-01-01,2024-02-01
            0b1d,bob@example.com,Bob,{},blocklisted,2024-01-01,2024-02-01

            """
        let report = try await fixture.importer().importBytes(Array(text.utf8))
        #expect(report.inserted == 2)
        let ann = try #require(try await fixture.member("ann@example.com"))
        #expect(ann.0.attributes == ["city": "Oslo", "projects": [1, 2], "uuid": "0b1c", "created_at": "2024-01-01", "updated_at": "2024-02-01"])
        #expect(ann.1 == .confirmed)
        #expect(try await fixture.member("bob@example.com")?.1 == .unsubscribed)
    }

    @Test func unsubscribedPeopleAreNeverResubscribed() async throws {
        let fixture = try await ImportFixture()
        _ = try await fixture.importer().importBytes(Array("email,status\nann@example.com,unsubscribed\n".utf8))
        let report = try await fixture.importer().importBytes(Array("email,name,status\nann@example.com,Ann,subscribed\n".utf8))
        #expect(report.keptUnsubscribed == 1)
        let ann = try #require(try await fixture.member("ann@example.com"))
        #expect(ann.1 == .unsubscribed)
        #expect(ann.0.name == "Ann")
    }

    @Test func wholeFileFailures() async throws {
        let fixture = try await ImportFixture()
        await #expect(throws: SubscriberImporterError.header(.emptyFile)) {
            try await fixture.importer().importBytes([])
        }
        await #expect(throws: SubscriberImporterError.header(.noEmailColumn(header: ["name", "city"]))) {
            try await fixture.importer().importBytes(Array("name,city\nAnn,Oslo\n".utf8))
        }
        let missing = fixture.folder.appendingPathComponent("none.csv").path
        await #expect(throws: SubscriberImporterError.unreadableFile(path: missing, reason: "no such file")) {
            try await fixture.importer().importFile(atPath: missing)
        }
        await #expect(throws: SubscriberImporterError.unreadableFile(path: fixture.folder.path, reason: "is a directory")) {
            try await fixture.importer().importFile(atPath: fixture.folder.path)
        }
    }

    @Test func twoHundredThousandRowsFromAFile() async throws {
        let fixture = try await ImportFixture()
        var bytes: [UInt8] = Array("email,first_name,last_name,city\n".utf8)
        bytes.reserveCapacity(200_000 * 48)
        for index in 0..<200_000 {
            let line: String
            if index % 1_000 == 999 {
                line = "broken-\(index),A,B,C\n"  // 200 invalid rows
            } else if index % 500 == 0 && index > 0 {
                line = "user\(index - 2)@example.com,A,B,Oslo\n"  // 399 duplicates of earlier rows
            } else {
                line = "user\(index)@example.com,First\(index),Last,Oslo\n"
            }
            bytes += line.utf8
        }
        let path = try fixture.write(bytes)
        let report = try await fixture.importer().importFile(atPath: path)
        #expect(report.rowsRead == 200_000)
        #expect(report.invalid == 200)
        #expect(report.duplicates == 399)
        #expect(report.inserted == 200_000 - 200 - 399)
        #expect(report.errors.count == 100)
        #expect(report.errors.first?.line == 1_001)
        let counts = try await fixture.store.membershipCounts(list: fixture.list.id)
        #expect(counts[.confirmed] == 200_000 - 200 - 399)
        #expect(try await fixture.member("user12345@example.com")?.0.name == "First12345 Last")
    }
}
