import BulkheadMail
import BulkheadPolicy
import BulkheadSMTP
import BulkheadStore
import Foundation
import Testing

@testable import BulkheadEngine

/// The guard relay against a hostile or careless client: addresses spelt oddly, recipients named in
/// fields other than To/Cc, senders that vary their spelling.
extension RelayGatewayTests {
    static func message(headers: [String], body: String = "Hello everyone,") -> [UInt8] {
        let lines =
            ["From: Ann <ann@shop.example>", "Subject: Our news", "Message-ID: <root-1@shop.example>"] + headers
            + ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    @Test func aResentBccFieldNeverReachesAnyone() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        try await Self.submit(
            setup, recipients: ["bo@example.org", "secret@example.net"],
            bytes: Self.message(headers: ["To: bo@example.org", "Resent-Bcc: secret@example.net", "resent-BCC :\r\n secret2@example.net"]))
        try await setup.deliverer.pass()
        #expect(setup.transport.all.count == 2)
        #expect(setup.transport.all.allSatisfy { !$0.text.contains("secret") })
    }

    @Test func customersInResentToOrResentCcAreHeldAndNotShownInCopies() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let people = Self.customers(12)
        try await Self.submit(
            setup, recipients: people,
            bytes: Self.message(headers: [
                "To: list@shop.example", "Resent-To: " + people[..<6].joined(separator: ", "),
                "Resent-Cc: " + people[6...].joined(separator: ",\r\n "),
            ]))
        #expect(try await setup.deliverer.pass() == 0, "twelve customers who can see each other: held")
        let held = try #require(try await setup.store.relayMessages(states: [.held], before: nil, limit: 10).first)
        #expect(held.findings.contains { $0.code == "relay.exposure" })
        _ = try await setup.store.decideRelayMessage(held.id, .release(.split), actor: .human("approver"))
        #expect(try await setup.deliverer.pass() == 12)
        for copy in setup.transport.all {
            let others = people.filter { $0 != copy.envelope.recipient && copy.text.contains($0) }
            #expect(others.isEmpty, "a copy names only its own recipient: \(others)")
        }
    }

    @Test func aSuppressedAddressWithATrailingDotGetsNothing() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        _ = try await setup.store.addSuppression(
            Suppression(address: try NormalizedAddress("gone@example.org"), reason: .unsubscribed, at: setup.clock.date, source: "test"),
            actor: .system)
        try await Self.submit(setup, recipients: ["gone@example.org.", "bo@example.org"], bytes: Self.message(to: ["bo@example.org"]))
        try await setup.deliverer.pass()
        #expect(setup.transport.all.map(\.envelope.recipient) == ["bo@example.org"])
    }

    @Test func routingTricksInALocalAddressAreRefusedToStrangers() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        for recipient in [
            "victim%example.net@shop.example", "victim@example.net@shop.example", "\"victim@example.net\"@shop.example",
            "example.net!victim@shop.example", "victim%example.net@SHOP.EXAMPLE",
        ] {
            let verdict = try await setup.gateway.checkRecipient(
                recipient, envelope: SMTPServerEnvelope(reversePath: "x@example.net"), session: Self.stranger)
            #expect(verdict != .accept, "\(recipient) is an external address in disguise")
        }
        let plain = try await setup.gateway.checkRecipient(
            "Ann.Lee+news@shop.example", envelope: SMTPServerEnvelope(reversePath: "x@example.net"), session: Self.stranger)
        #expect(plain == .accept)
    }

    @Test func aStrangerCannotMakeTheRelaySendANoticeToAnyone() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        // Held (it does not parse) from a client that neither authenticated nor is in allow_networks,
        // with someone else's address as MAIL FROM: the notice would go to that person.
        let broken = Array("From: a@example.net\r\nTo: ann@shop.example\r\nSubject: Buy pills\r\nBad header line\r\n\r\nbody\r\n".utf8)
        try await Self.submit(setup, from: "victim@example.net", recipients: ["ann@shop.example"], bytes: broken, session: Self.stranger)
        #expect(try await setup.store.relayMessages(states: [.held], before: nil, limit: 1).count == 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(setup.notices.all.isEmpty, "no notice to a MAIL FROM a stranger gave")
    }

    @Test func aSuppressedSenderGetsNoHoldNotice() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        _ = try await setup.store.addSuppression(
            Suppression(address: try NormalizedAddress("gone@example.org"), reason: .unsubscribed, at: setup.clock.date, source: "test"),
            actor: .system)
        let people = Self.customers(12)
        try await Self.submit(setup, from: "Gone@example.org", recipients: people, bytes: Self.message(to: people))
        #expect(try await setup.store.relayMessages(states: [.held], before: nil, limit: 1).count == 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(setup.notices.all.isEmpty, "an opted-out address gets no notice")
    }

    @Test func theBreakerCountsCaseVariantsOfOneSenderTogether() async throws {
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        for index in 1...60 {
            let from = index.isMultiple(of: 2) ? "Reports@shop.example" : "reports@Shop.Example"
            let to = "customer\(index % 7)@example.org"
            try await Self.submit(setup, from: from, recipients: [to], bytes: Self.message(from: from, to: [to]))
            setup.clock.advance(by: .milliseconds(120))
        }
        try await setup.deliverer.pass()
        #expect(setup.transport.all.count == 29, "the 30th message trips the breaker whatever the spelling")
    }
}
