import BulkheadSMTP
import Foundation
import Testing

@Suite struct CaptureCommandTests {
    static func message(to recipient: String, subject: String) -> [UInt8] {
        Array(
            "From: Shop <news@shop.example>\r\nTo: \(recipient)\r\nSubject: \(subject)\r\nMessage-ID: <\(subject)@shop.example>\r\n\r\nHello\r\n".utf8
        )
    }

    @Test func listsAndShowsWhatTheCaptureTransportWrote() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let empty = try CLIRunner.run(["capture", "list"], in: directory)
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout == "0 captured messages in .bulkhead/capture\n")

        let transport = try CaptureTransport(directory: directory.appendingPathComponent(".bulkhead/capture").path)
        var ids: [String] = []
        for (index, recipient) in ["ann@example.com", "bob@example.com", "cat@example.com"].enumerated() {
            let envelope = try Envelope(mailFrom: "bounces+t\(index)@shop.example", recipient: recipient)
            ids.append(
                try transport.capture(
                    envelope, Self.message(to: recipient, subject: "m\(index)"),
                    at: Date(timeIntervalSince1970: 1_800_000_000 + Double(index))))
        }

        let list = try CLIRunner.run(["capture", "list", "--limit", "2"], in: directory)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "3 captured messages in .bulkhead/capture")
        #expect(
            lines[1]
                == "\(ids[2])  2027-01-15T08:00:02.000Z  cat@example.com  from bounces+t2@shop.example  \(Self.message(to: "cat@example.com", subject: "m2").count) bytes"
        )
        #expect(lines[2].hasPrefix("\(ids[1])  2027-01-15T08:00:01.000Z  bob@example.com"))

        let json = try CLIRunner.run(["capture", "list", "--json"], in: directory)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["recipient"] as? String } == ["cat@example.com", "bob@example.com", "ann@example.com"])

        let raw = try CLIRunner.run(["capture", "show", ids[0], "--raw"], in: directory)
        #expect(raw.status == 0)
        #expect(Array(raw.stdout.utf8) == Self.message(to: "ann@example.com", subject: "m0"))

        let show = try CLIRunner.run(["capture", "show", ids[1]], in: directory)
        #expect(show.status == 0)
        #expect(
            show.stdout.hasPrefix(
                "id: \(ids[1])\ncaptured: 2027-01-15T08:00:01.000Z\nenvelope from: bounces+t1@shop.example\nenvelope to: bob@example.com\n"))
        #expect(show.stdout.hasSuffix("\n\n" + String(decoding: Self.message(to: "bob@example.com", subject: "m1"), as: UTF8.self)))
    }

    @Test func unknownAndInvalidIDsExitOne() throws {
        let directory = try CLIRunner.temporaryDirectory()
        _ = try CaptureTransport(directory: directory.appendingPathComponent(".bulkhead/capture").path)
        let missing = try CLIRunner.run(["capture", "show", "01800000000000000-0000abcd"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.stderr == "bulkhead: no captured message 01800000000000000-0000abcd\n")
        let traversal = try CLIRunner.run(["capture", "show", "../../etc/passwd"], in: directory)
        #expect(traversal.status == 1)
        #expect(traversal.stderr == "bulkhead: invalid capture id \"../../etc/passwd\"\n")
    }
}
