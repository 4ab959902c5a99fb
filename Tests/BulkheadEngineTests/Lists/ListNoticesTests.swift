import BulkheadMail
import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging
import Testing

@testable import BulkheadEngine

/// A reply-all storm's notices while the emergency stop holds: the sender's notice stays in (nothing
/// leaves), the list owner's alert goes (alerts do).
@Suite struct ListNoticesTests {
    @Test func duringTheStopTheOwnerIsAlertedAndTheSenderNotNotified() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("list-notices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        let transport = RelayGatewayTests.RecordingTransport()
        let notices = ListNotices(
            store: store, from: try Mailbox(parsing: "Lists <lists@shop.example>"), transport: transport, alerts: nil, clock: clock,
            logger: Logger(label: "list-notices-test"))
        let list = HostedList(
            listID: ListID(rawValue: 1), name: "all", listIDLabel: "all.shop.example", address: "all@shop.example", explicitPolicy: nil,
            emergency: false, owner: "owner@shop.example", posters: [], members: 2_000)
        let storm = ListStorm(
            id: 1, list: list.listID, threadKey: "re: test", startedAt: clock.date, blockedUntil: clock.date.addingTimeInterval(3_600))

        _ = try await store.emergencyStop(reason: "drill", actor: .human("ann"))
        await notices.send(storm, list: list, subject: "Re: test", sender: "bo@example.org", alertOwner: true)
        #expect(transport.all.map(\.envelope.recipient) == ["owner@shop.example"], "the owner's alert only")

        try await store.releaseLatch(named: Latch.emergencyStop, actor: .human("ann"))
        await notices.send(storm, list: list, subject: "Re: test", sender: "cy@example.org", alertOwner: false)
        #expect(transport.all.map(\.envelope.recipient) == ["owner@shop.example", "cy@example.org"], "after the stop, notices go again")
    }
}
