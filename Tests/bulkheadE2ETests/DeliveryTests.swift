import BulkheadStore
import Foundation
import Testing

/// What check_received.py reports about one received message (its JSON keys as field names).
// swift-format-ignore: AlwaysUseLowerCamelCase
struct ReceivedMessage: Decodable {
    var file: String
    var mail_from: String?
    var rcpts: [String]
    var to_fields: Int
    var to: [String]
    var cc: Int
    var bcc: Int
    var list_unsubscribe: String
    var list_unsubscribe_post: String
    var dkim_signatures: Int
    var signed_headers: [String]
    var dkim: Bool
}

/// A 300-recipient campaign sent by the real `bulkhead campaign send` to a real SMTP server.
@Suite("End to end: delivery to real SMTP servers", .serialized)
struct DeliveryEndToEndTests {
    static let recipients = 300

    @Test(
        "300 recipients through `bulkhead campaign send`: one message each, one RCPT, To = that recipient, RFC 8058 headers, valid DKIM, ledger all sent",
        arguments: ReceivingServer.Kind.allCases)
    func deliversEachRecipientExactlyOnce(_ kind: ReceivingServer.Kind) async throws {
        let workspace = try await Workspace(.sqlite)
        let server = try await ReceivingServer(kind, in: workspace.root)
        do {
            try await run(workspace, server)
            await server.stop()
            await workspace.discard()
        } catch {
            await server.stop()
            await workspace.discard()
            throw error
        }
    }

    private func run(_ workspace: Workspace, _ server: ReceivingServer) async throws {
        let dnsRecord = try await workspace.generateDKIMKey()
        try workspace.writeConfiguration(SendSettings(upstreamPort: server.port, concurrency: 8, batchSize: 10, maxConnections: 4, dkim: true))
        let addresses = try await workspace.importThroughCLI(list: "news", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "news")

        let send = try await workspace.bulkhead(["campaign", "send", "\(id)", "--json"], timeout: .seconds(300))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(send.stdout.utf8)) as? [String: Any], "\(send.summary)")
        #expect(summary["ending"] as? String == "finished", "\(send.summary)")

        try await server.waitForMessages(Self.recipients)
        let report = try await Python.run(
            name: "check-received", script: try Fixtures.file("check_received.py"),
            arguments: [server.kind == .aiosmtpd ? "aiosmtpd" : "sink", server.directory.path, dnsRecord],
            in: workspace.root)
        let messages = try JSONDecoder().decode([ReceivedMessage].self, from: Data(report.utf8))

        // Exactly one message per recipient, each with exactly one envelope recipient.
        #expect(messages.count == Self.recipients)
        let byRecipient = Dictionary(grouping: messages, by: { $0.rcpts.first ?? "" })
        #expect(Set(byRecipient.keys) == Set(addresses))
        #expect(byRecipient.values.allSatisfy { $0.count == 1 })
        let ledger = try await workspace.ledger(id)
        let tokens = Dictionary(uniqueKeysWithValues: ledger.map { ($0.address.value, $0.verpToken) })
        for message in messages {
            let rcpt = message.rcpts.first ?? "(none)"
            #expect(message.rcpts.count == 1, "\(message.file): RCPTs \(message.rcpts)")
            #expect(message.to_fields == 1 && message.to == [rcpt], "\(message.file): To \(message.to) for RCPT \(rcpt)")
            #expect(message.cc == 0 && message.bcc == 0, "\(message.file)")
            #expect(message.list_unsubscribe.contains("<https://\(Workspace.fromDomain)/"), "\(message.file): \(message.list_unsubscribe)")
            #expect(message.list_unsubscribe.contains("<mailto:"), "\(message.file): \(message.list_unsubscribe)")
            #expect(message.list_unsubscribe_post == "List-Unsubscribe=One-Click", "\(message.file)")
            #expect(message.dkim_signatures == 1 && message.dkim, "\(message.file): DKIM does not verify")
            #expect(
                message.signed_headers.contains("list-unsubscribe") && message.signed_headers.contains("list-unsubscribe-post"),
                "\(message.file): h=\(message.signed_headers)")
            // The envelope sender is this recipient's own VERP address, so a bounce maps back to its ledger entry.
            let token = try #require(tokens[rcpt], "\(rcpt) is not in the ledger")
            #expect(message.mail_from == "bounces+\(token)@\(Workspace.fromDomain)", "\(message.file): MAIL FROM \(message.mail_from ?? "nil")")
        }

        // The ledger says sent for every recipient, and the campaign is sent.
        #expect(ledger.count == Self.recipients)
        #expect(ledger.filter { $0.state != .sent }.map { "\($0.address.value): \($0.state)" } == [])
        #expect(try await workspace.campaign(id).state == .sent)
        // … and so does the CLI's ledger export.
        let export = try await workspace.bulkhead(["ledger", "\(id)", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]], "\(export.summary)")
        #expect(rows.count == Self.recipients)
        #expect(Set(rows.compactMap { $0["address"] as? String }) == Set(addresses))
        #expect(rows.allSatisfy { $0["state"] as? String == "sent" })
    }
}
