import BulkheadMail
import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging
import Testing

@testable import BulkheadEngine

/// `campaign test` and the opt-out promise (review of 2026-12-05): the unsubscribe link of a test
/// message to an address that is nobody's yet named subscriber 0, and using it stored nothing while
/// the page said "unsubscribed"; the next test went out again.
@Suite struct CampaignTestSendTests {
    @Test func theUnsubscribeLinkOfATestToANewAddressHolds() async throws {
        let setup = try await CampaignRunnerTests.setUp(recipients: 1, sending: false)
        let secret = Array(repeating: UInt8(7), count: 32)
        let capture = setup.directory.appendingPathComponent("capture").path
        let environment = BulkheadEnvironment(
            configuration: setup.environment, store: setup.store, transport: try CaptureTransport(directory: capture),
            signer: nil, tokens: try UnsubscribeTokenIssuer(secret: secret))
        let carl = try NormalizedAddress("carl@example.net")
        let first = try await CampaignTestSend(environment: environment).send(campaign: setup.campaign.id, to: [carl], actor: .human("t"))
        guard case .sent = first.first?.outcome else {
            Issue.record("the first test goes out: \(first)")
            return
        }
        let mailbox = CaptureMailbox(directory: capture)
        let item = try #require(try mailbox.list(offset: 0, limit: 10).items.first)
        let message = try MIMEParser().parse(try mailbox.read(id: item.id).bytes)
        let header = try #require(message.headers["List-Unsubscribe"])
        let link = try #require(header.split(separator: "<").first { $0.hasPrefix("https://") })
        let token = String(try #require(link.split(separator: "/u/").last).prefix { $0 != ">" })

        let unsubscribe = OneClickUnsubscribe(
            store: setup.store, tokens: try UnsubscribeTokenIssuer(secret: secret), brakes: nil, logger: Logger(label: "test"))
        #expect(try await unsubscribe.confirm(token: token, channel: "https POST from 192.0.2.7") == .done)
        let person = try #require(try await setup.store.subscriber(address: carl))
        #expect(try await setup.store.membership(list: setup.campaign.content.listID, subscriber: person.id)?.status == .unsubscribed)

        let second = try await CampaignTestSend(environment: environment).send(campaign: setup.campaign.id, to: [carl], actor: .human("t"))
        #expect(second.first?.outcome == .failed(.note("not sent: the address unsubscribed from the campaign's list"), hardBounce: false))
        #expect(try mailbox.list(offset: 0, limit: 10).total == 1)
    }
}
