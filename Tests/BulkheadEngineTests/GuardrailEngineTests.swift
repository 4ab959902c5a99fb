import BulkheadPolicy
import Foundation
import Synchronization
import Testing

@testable import BulkheadEngine
@testable import BulkheadStore

/// The undo window and the pass over every recipient, on a manual clock and a real SQLite store.
@Suite struct GuardrailEngineTests {
    static func store(_ clock: ManualClock) throws -> (SQLiteStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guardrails-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock)), directory)
    }

    static func pendingCampaign(_ store: SQLiteStore, _ clock: ManualClock, seconds: Double) async throws -> Campaign {
        let list = try await store.createList(name: "news", description: "")
        let campaign = try await store.createCampaign(
            CampaignContent(name: "c", listID: list.id, from: "Shop <news@shop.example>", subjectTemplate: "Hi", textTemplate: "Hi"),
            actor: .human("ann"))
        return try await store.transition(
            campaign.id, from: [.draft], to: .pending, actor: .human("ann"), details: [:], deadline: clock.date.addingTimeInterval(seconds))
    }

    @Test func theWindowEndsAtItsDeadlineAndNotASecondBefore() async throws {
        let clock = ManualClock()
        let (store, directory) = try Self.store(clock)
        defer { try? FileManager.default.removeItem(at: directory) }
        let campaign = try await Self.pendingCampaign(store, clock, seconds: 300)
        let ticks = Ticks()
        let waiting = Task { try await UndoWindow(store: store, clock: clock).wait(for: campaign.id) { ticks.add($0) } }
        for _ in 0..<299 {
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(1))
        }
        await clock.waitForSleepers(1)
        #expect(ticks.last == .seconds(1), "one second left after 299")
        clock.advance(by: .seconds(1))
        #expect(try await waiting.value == .elapsed)
        #expect(ticks.count == 300)
    }

    @Test func aCancelDuringTheWindowEndsTheWaitWithinOnePoll() async throws {
        let clock = ManualClock()
        let (store, directory) = try Self.store(clock)
        defer { try? FileManager.default.removeItem(at: directory) }
        let campaign = try await Self.pendingCampaign(store, clock, seconds: 300)
        let waiting = Task { try await UndoWindow(store: store, clock: clock).wait(for: campaign.id) }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(10))
        await clock.waitForSleepers(1)
        _ = try await store.transition(campaign.id, from: [.pending], to: .cancelled, actor: .human("bob"))
        clock.advance(by: .seconds(1))
        guard case .left(let left) = try await waiting.value else {
            Issue.record("the wait did not end with the campaign")
            return
        }
        #expect(left.state == .cancelled)
    }

    @Test func theFieldPassCountsMissingFieldsAndUnbuildableRecipients() throws {
        let templates = try CampaignTemplates(
            subject: "Hello {{first_name}} in {{attributes.city}}", text: "Hi {{name}}, {{email}} {{unsubscribe_url}}", html: nil)
        var check = RecipientFieldCheck(templates: templates, campaignName: "spring", postalAddress: nil)
        #expect(check.fields == [["first_name"], ["attributes", "city"], ["name"]])
        func subscriber(_ id: Int64, _ address: String, name: String?, city: String?) throws -> Subscriber {
            Subscriber(
                id: SubscriberID(rawValue: id), address: try NormalizedAddress(address), name: name,
                attributes: city.map { ["city": .string($0)] } ?? [:], createdAt: Date(), updatedAt: Date())
        }
        check.add(try subscriber(1, "ada@example.org", name: "Ada Lovelace", city: "London"))
        check.add(try subscriber(2, "bob@example.org", name: nil, city: "Paris"))
        check.add(try subscriber(3, "cyd@example.org", name: "Cyd", city: nil))
        check.add(try subscriber(4, "dan@example.org", name: "Dan", city: "Lyon\r\nBcc: everyone@example.org"))
        #expect(check.checked == 4)
        #expect(check.missing["first_name"] == RecipientTally(count: 1, examples: ["bob@example.org"]))
        #expect(check.missing["name"] == RecipientTally(count: 1, examples: ["bob@example.org"]))
        #expect(check.missing["attributes.city"] == RecipientTally(count: 1, examples: ["cyd@example.org"]))
        #expect(check.unbuildable == RecipientTally(count: 1, examples: ["dan@example.org"]), "a line break into the subject")
        let codes = check.findings().map(\.code)
        #expect(codes == ["render.missing-field", "render.missing-field", "render.missing-field", "render.unbuildable"])
        #expect(check.findings().allSatisfy { $0.severity == .warning })

        let sections = try CampaignTemplates(subject: "{{#name}}Hi {{name}}{{/name}}", text: "x", html: nil)
        let unlisted = RecipientFieldCheck(templates: sections, campaignName: "c", postalAddress: nil)
        #expect(unlisted.fields == nil && unlisted.findings().map(\.code) == ["render.fields-unchecked"])
    }

    @Test func examplesStopAtTwentyButTheCountGoesOn() throws {
        let templates = try CampaignTemplates(subject: "Hello {{first_name}}", text: "x", html: nil)
        var check = RecipientFieldCheck(templates: templates, campaignName: "c", postalAddress: nil)
        for index in 0..<25 {
            check.add(
                Subscriber(
                    id: SubscriberID(rawValue: Int64(index + 1)), address: try NormalizedAddress("p\(index)@example.org"), name: nil,
                    attributes: [:], createdAt: Date(), updatedAt: Date()))
        }
        #expect(check.missing["first_name"]?.count == 25 && check.missing["first_name"]?.examples.count == 20)
    }
}

/// What the countdown was shown.
final class Ticks: Sendable {
    private let seen = Mutex<[Duration]>([])
    func add(_ remaining: Duration) { seen.withLock { $0.append(remaining) } }
    var last: Duration? { seen.withLock { $0.last } }
    var count: Int { seen.withLock { $0.count } }
}
