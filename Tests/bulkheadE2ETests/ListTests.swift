import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 11's hosted lists with the real binary and real clients: `bulkhead serve` runs its inbound
/// listener (the list's address) and its HTTP listener in front of a recording SMTP sink (the
/// upstream); lists are made with `bulkhead list create … --address`, members imported from CSV,
/// posts sent with Python's smtplib, the one-click link followed with curl.
@Suite("End to end: hosted lists", .serialized)
struct ListEndToEndTests {
    static let address = "all@\(Workspace.fromDomain)"

    /// The workspace, sink and ports of one test; `serve` runs while `body` does.
    static func serving(
        _ backend: Backend, storm: String = "{}", _ body: (Workspace, RecordingSink, Int, Int) async throws -> Void
    ) async throws {
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root)
        let smtpPort = try Loopback.freePort()
        let httpPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: sink.port)
        settings.extraYAML = """
            inbound:
              listen: ["127.0.0.1:\(smtpPort)"]
            http:
              listen: ["127.0.0.1:\(httpPort)"]
            alerts:
              email: ops@\(Workspace.fromDomain)
            lists:
              storm: \(storm)

            """
        try workspace.writeConfiguration(settings)
        let stopped = try await InboundEndToEndTests.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await Loopback.waitForListener(port: smtpPort, process: serve)
            try await body(workspace, sink, smtpPort, httpPort)
        }
        #expect(stopped.status == 0, "serve stops cleanly on Ctrl-C: \(stopped.summary)")
    }

    /// Creates the hosted list `all` with `policy` and imports `count` confirmed members (r0…).
    static func hostedList(_ workspace: Workspace, members count: Int, policy: String) async throws -> [String] {
        let created = try await workspace.bulkhead(["list", "create", "all", "--address", address, "--policy", policy])
        #expect(created.stdout.contains("at \(address), policy \(policy)"), "\(created.summary)")
        let addresses = (0..<count).map { Workspace.recipient($0) }
        let csv = workspace.root.appendingPathComponent("members.csv")
        try ("email,name\n" + addresses.enumerated().map { "\($1),Reader \($0)\n" }.joined()).write(to: csv, atomically: true, encoding: .utf8)
        try await workspace.bulkhead(["subscribers", "import", csv.path, "--list", "all", "--source", "e2e test"], timeout: .seconds(300))
        return addresses
    }

    /// Posts the template once per sender; the server's answer per message.
    static func post(_ workspace: Workspace, port: Int, template: String, senders: [String]) async throws -> [String] {
        let file = workspace.root.appendingPathComponent("post-\(UUID().uuidString.prefix(6)).eml")
        try template.write(to: file, atomically: true, encoding: .utf8)
        let output = try await Python.run(
            name: "list-post", script: try Fixtures.file("list_post.py"),
            arguments: ["127.0.0.1", "\(port)", address, file.path, senders.joined(separator: ",")], in: workspace.root)
        return output.split(separator: "\n").map(String.init)
    }

    @Test func aPostTo5000MembersArrivesAs5000MessagesWithWorkingUnsubscribeLinks() async throws {
        try await Self.serving(.sqlite) { workspace, sink, smtpPort, httpPort in
            let members = try await Self.hostedList(workspace, members: 5_000, policy: "members")
            let answers = try await Self.post(
                workspace, port: smtpPort,
                template:
                    "From: Reader <{FROM}>\nTo: \(Self.address)\nSubject: Summer party\nMessage-ID: <party-{N}@rcpt.e2e.example>\n\nSee you there.\n",
                senders: [members[0]])
            #expect(answers.count == 1 && answers[0].hasPrefix("250"), "\(answers)")
            // A stranger may not post to a members list.
            let stranger = try await Self.post(
                workspace, port: smtpPort, template: "From: {FROM}\nTo: \(Self.address)\nSubject: Hi\n\nhello\n", senders: ["x@elsewhere.example"])
            #expect(stranger.first?.hasPrefix("550 5.7.1 Only members") == true, "\(stranger)")

            try await RelayEndToEndTests.waitUntil(timeout: .seconds(600)) { sink.count() >= 5_000 }
            let records = try sink.records()
            #expect(records.count == 5_000)
            #expect(Set(records.flatMap(\.rcpts)) == Set(members) && records.allSatisfy { $0.rcpts.count == 1 })
            #expect(records.allSatisfy { $0.to == [Self.address] && $0.mail_from == "all-bounces@\(Workspace.fromDomain)" })
            let links = records.compactMap { $0.list_unsubscribe.first }
            #expect(Set(links).count == 5_000, "each member's own unsubscribe link")

            // Member 7 clicks one-click unsubscribe (RFC 8058 POST, as a mailbox provider sends it).
            let record = try #require(records.first { $0.rcpts == [members[7]] })
            let https = try #require(
                record.list_unsubscribe.first?.split(separator: ",").first.map {
                    $0.trimmingCharacters(in: CharacterSet(charactersIn: " <>"))
                })
            let local = https.replacingOccurrences(of: "https://\(Workspace.fromDomain)", with: "http://127.0.0.1:\(httpPort)")
            let status = try await InboundEndToEndTests.curl(workspace, ["-X", "POST", "-d", "List-Unsubscribe=One-Click", local])
            #expect(status == "200", "one-click POST answered \(status)")
            let shown = try await workspace.bulkhead(["subscribers", "show", members[7], "--json"])
            #expect(shown.stdout.contains("unsubscribed"), "\(shown.stdout.prefix(800))")

            // The next post reaches everyone but member 7.
            _ = try await Self.post(
                workspace, port: smtpPort, template: "From: {FROM}\nTo: \(Self.address)\nSubject: Second\n\nagain\n", senders: [members[1]])
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(600)) { sink.count() >= 9_999 }
            try await Task.sleep(for: .seconds(2))
            let second = try sink.records().dropFirst(5_000)
            #expect(second.count == 4_999 && !second.contains { $0.rcpts == [members[7]] })
        }
    }

    /// Review of 2026-12-05: list copies carry no VERP token, so a spam complaint about one (a mailbox
    /// provider's feedback report, to the list's bounce address or to abuse@) was kept for a person and
    /// the member went on getting the list's mail. Each copy's own List-Unsubscribe token names its
    /// member: the member is suppressed. A report with an altered token suppresses nobody.
    @Test func aComplaintAboutAListCopySuppressesItsMember() async throws {
        try await Self.serving(.sqlite) { workspace, sink, smtpPort, _ in
            let members = try await Self.hostedList(workspace, members: 3, policy: "members")
            _ = try await Self.post(
                workspace, port: smtpPort, template: "From: {FROM}\nTo: \(Self.address)\nSubject: Picnic\n\nBring food.\n", senders: [members[0]])
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(60)) { sink.count() >= 3 }
            let records = try sink.records()
            let fixture = try String(
                contentsOf: BulkheadBinary.repositoryRoot.appendingPathComponent("Tests/BulkheadMailTests/Fixtures/arf/abuse-headers-only.eml"),
                encoding: .utf8)
            func report(about member: String, altered: Bool = false) throws -> String {
                let record = try #require(records.first { $0.rcpts == [member] })
                var field = try #require(record.list_unsubscribe.first)
                if altered { field = field.replacingOccurrences(of: "/u/", with: "/u/x") }
                let text = fixture.replacingOccurrences(
                    of: "List-Unsubscribe: <https://shop.example/u/43.12>", with: "List-Unsubscribe: \(field)\nList-Id: <all.lists>")
                let file = workspace.root.appendingPathComponent("arf-\(UUID().uuidString.prefix(6)).eml")
                try text.write(to: file, atomically: true, encoding: .utf8)
                return file.path
            }
            let bounces = "all-bounces@\(Workspace.fromDomain)"
            try await InboundEndToEndTests.submit(workspace, port: smtpPort, to: bounces, file: try report(about: members[1]))
            try await InboundEndToEndTests.submit(workspace, port: smtpPort, to: "abuse@\(Workspace.fromDomain)", file: try report(about: members[2]))
            try await InboundEndToEndTests.submit(workspace, port: smtpPort, to: bounces, file: try report(about: members[0], altered: true))
            try await workspace.withStore { store in
                let suppressed = try await store.suppressedAddresses(among: try members.map { try NormalizedAddress($0) })
                #expect(Set(suppressed.map(\.value)) == Set([members[1], members[2]]))
            }
            _ = try await Self.post(
                workspace, port: smtpPort, template: "From: {FROM}\nTo: \(Self.address)\nSubject: Again\n\nStill on.\n", senders: [members[0]])
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(60)) { sink.count() >= 4 }
            try await Task.sleep(for: .seconds(1))
            #expect(try sink.records().dropFirst(3).map(\.rcpts) == [[members[0]]])
        }
    }

    /// Story 003: a "test" to a big list, then everyone replies to all. With a 2,000-member list and
    /// the default storm limits, 10 replies go out, the other 40 senders are refused (550 5.7.1) and
    /// get one notice each, the owner (alerts.email) one alert.
    @Test(arguments: Backend.allCases)
    func fiftyReplyAllsToA2000MemberListDistributeAtMostTen(backend: Backend) async throws {
        try await Self.serving(backend) { workspace, sink, smtpPort, _ in
            let members = try await Self.hostedList(workspace, members: 2_000, policy: "members")
            let first = try await Self.post(
                workspace, port: smtpPort,
                template:
                    "From: {FROM}\nTo: \(Self.address)\nSubject: Quarterly figures\nMessage-ID: <root@rcpt.e2e.example>\n\nThe figures are attached.\n",
                senders: [members[0]])
            #expect(first.first?.hasPrefix("250") == true, "\(first)")
            let repliers = Array(members[1...50])
            let answers = try await Self.post(
                workspace, port: smtpPort,
                template:
                    "From: {FROM}\nTo: \(Self.address)\nSubject: RE: Quarterly figures\nIn-Reply-To: <root@rcpt.e2e.example>\nReferences: <root@rcpt.e2e.example>\nMessage-ID: <reply-{N}@rcpt.e2e.example>\n\nPlease remove me from this list.\n",
                senders: repliers)
            #expect(answers.count == 50)
            #expect(answers.prefix(10).allSatisfy { $0.hasPrefix("250") }, "\(answers.prefix(12))")
            #expect(answers.dropFirst(10).allSatisfy { $0.hasPrefix("550 5.7.1 Reply-all storm") }, "\(answers.dropFirst(10).prefix(3))")

            let held = try await workspace.bulkhead(["hold", "list", "--json"])
            let heldPosts = try #require(try JSONSerialization.jsonObject(with: Data(held.stdout.utf8)) as? [Any])
            #expect(heldPosts.isEmpty, "nothing held: \(held.stdout.prefix(300))")
            // Notices: one per refused sender, from the null sender; one alert to the owner.
            try await RelayEndToEndTests.waitUntil(timeout: .seconds(120)) {
                ((try? sink.records()) ?? []).filter { $0.subject.first?.hasPrefix("Not delivered") == true }.count >= 40
            }
            let records = try sink.records()
            let notices = records.filter { $0.subject.first?.hasPrefix("Not delivered") == true }
            #expect(notices.count == 40 && Set(notices.flatMap(\.rcpts)) == Set(repliers.dropFirst(10)))
            #expect(notices.allSatisfy { $0.mail_from.isEmpty })
            let alerts = records.filter { $0.rcpts == ["ops@\(Workspace.fromDomain)"] }
            #expect(alerts.count == 1 && alerts.first?.subject.first?.contains("reply-all storm") == true, "\(alerts.map(\.subject))")
            // At most 11 posts (the first and 10 replies) are distributed: ≤ 11 × 2,000 copies.
            let copies = records.filter { $0.mail_from == "all-bounces@\(Workspace.fromDomain)" }
            #expect(copies.count <= 11 * 2_000)
            let filed = try await workspace.withStore { store in try await store.relayMessages(states: nil, before: nil, limit: 100) }
            #expect(filed.count == 11 && filed.allSatisfy { $0.list != nil && $0.state != .held })
        }
    }
}
