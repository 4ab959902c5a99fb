import BulkheadPolicy
import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: campaigns")
struct CampaignConformanceTests {
    /// A legal path from `draft` to each state.
    static let pathTo: [CampaignState: [CampaignState]] = [
        .draft: [], .scheduled: [.scheduled], .pending: [.pending], .canary: [.canary], .canaryHold: [.canary, .canaryHold],
        .sending: [.sending], .paused: [.sending, .paused], .sent: [.sending, .sent], .cancelled: [.cancelled],
        .aborted: [.sending, .aborted],
    ]

    @Test(arguments: StoreBackend.allCases)
    func everyTransitionRuleIsEnforcedAndAudited(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            for from in CampaignState.allCases {
                for to in CampaignState.allCases {
                    let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
                    var state = CampaignState.draft
                    for step in Self.pathTo[from] ?? [] {
                        state = try await store.transition(campaign.id, from: [state], to: step, actor: .system).state
                    }
                    #expect(state == from)
                    let before = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)"))
                    if from.canTransition(to: to) {
                        let moved = try await store.transition(
                            campaign.id, from: [from], to: to, actor: .human("bob"),
                            details: ["reason": "test"])
                        #expect(moved.state == to)
                        let after = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)"))
                        #expect(after.count == before.count + 1)
                        #expect(
                            after.last?.event
                                == NewAuditEvent(
                                    actor: .human("bob"), action: "campaign.transition", subjectKind: "campaign",
                                    subjectID: "\(campaign.id.rawValue)",
                                    details: ["from": .string(from.rawValue), "to": .string(to.rawValue), "reason": "test"]))
                    } else {
                        await #expect(throws: StoreError.invalidTransition(campaign: campaign.id, current: from, to: to)) {
                            try await store.transition(campaign.id, from: [from], to: to, actor: .human("bob"))
                        }
                        #expect(try await store.campaign(id: campaign.id)?.state == from)
                        let after = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)"))
                        #expect(after.count == before.count, "a refused transition leaves no audit event")
                    }
                }
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func transitionChecksTheCallersExpectedState(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
            _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .system)
            // Allowed by the rules (sending → paused) but the caller expected it to be scheduled.
            await #expect(throws: StoreError.invalidTransition(campaign: campaign.id, current: .sending, to: .paused)) {
                try await store.transition(campaign.id, from: [.scheduled], to: .paused, actor: .system)
            }
            #expect(try await store.transition(campaign.id, from: [.scheduled, .sending], to: .paused, actor: .system).state == .paused)
            await #expect(throws: StoreError.notFound(.campaign(CampaignID(rawValue: 4242)))) {
                try await store.transition(CampaignID(rawValue: 4242), from: [.draft], to: .sending, actor: .system)
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func onlyDraftsAreEditableAndContentRoundTrips(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            var content = Fixture.content(list: list.id, segment: SegmentFilter(attributeEquals: ["country": "DE"]))
            content.scheduledAt = db.clock.now.addingTimeInterval(3600)
            let campaign = try await store.createCampaign(content, actor: .human("ann"))
            var expected = content
            expected.scheduledAt = SQLTime.truncated(content.scheduledAt ?? .distantPast)
            #expect(campaign.content == expected)
            #expect(campaign.state == .draft)
            content.subjectTemplate = "Changed {{name}}"
            content.htmlTemplate = nil
            content.segment = nil
            let edited = try await store.updateDraft(campaign.id, content: content, actor: .human("ann"))
            #expect(edited.content.subjectTemplate == "Changed {{name}}")
            #expect(edited.content.htmlTemplate == nil && edited.content.segment == nil)
            #expect(try await store.campaign(id: campaign.id) == edited)
            _ = try await store.transition(campaign.id, from: [.draft], to: .scheduled, actor: .human("ann"))
            await #expect(throws: StoreError.campaignNotEditable(campaign: campaign.id, state: .scheduled)) {
                try await store.updateDraft(campaign.id, content: content, actor: .human("ann"))
            }
            let second = try await store.createCampaign(content, actor: .system)
            #expect(try await store.allCampaigns().map(\.id) == [second.id, campaign.id])
            let actions = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)"))
            #expect(actions.map(\.event.action) == ["campaign.create", "campaign.update", "campaign.transition"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func emergencyStopPausesEverythingUnderWayAndHoldsUntilReleased(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            var byState: [CampaignState: CampaignID] = [:]
            for state in CampaignState.allCases {
                let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
                var current = CampaignState.draft
                for step in Self.pathTo[state] ?? [] {
                    current = try await store.transition(campaign.id, from: [current], to: step, actor: .system).state
                }
                byState[state] = campaign.id
            }
            #expect(try await store.latch(named: Latch.emergencyStop) == nil)
            let paused = try await store.emergencyStop(reason: "wrong list", actor: .human("bob"))
            #expect(Set(paused) == Set(CampaignState.stoppable.compactMap { byState[$0] }))
            for (state, id) in byState {
                let campaign = try #require(try await store.campaign(id: id))
                if CampaignState.stoppable.contains(state) {
                    #expect(campaign.state == .paused && campaign.pauseReason == "stop-all" && campaign.pausedFrom == state)
                } else {
                    #expect(campaign.state == state, "\(state) is left alone")
                }
            }
            let latch = try #require(try await store.latch(named: Latch.emergencyStop))
            #expect(latch.setBy == "bob" && latch.reason == "wrong list")
            // A second stop keeps the first one's reason and pauses nothing more.
            #expect(try await store.emergencyStop(reason: "again", actor: .system).isEmpty)
            #expect(try await store.latch(named: Latch.emergencyStop)?.reason == "wrong list")
            // While it holds, nothing starts, in the very transaction that would start it; stopping still works.
            let fresh = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
            for target in [CampaignState.pending, .sending, .canary] {
                await #expect(throws: StoreError.self) { try await store.transition(fresh.id, from: [.draft], to: target, actor: .human("ann")) }
            }
            await #expect(throws: StoreError.self) {
                try await store.beginSending(fresh.id, from: [.draft], canary: CanaryRule(), actor: .human("ann"), details: [:])
            }
            #expect(try await store.campaign(id: fresh.id)?.state == .draft)
            #expect(try await store.transition(fresh.id, from: [.draft], to: .cancelled, actor: .system).state == .cancelled)
            #expect(try await store.releaseLatch(named: Latch.emergencyStop, actor: .human("bob")))
            #expect(try await store.latch(named: Latch.emergencyStop) == nil)
            #expect(!(try await store.releaseLatch(named: Latch.emergencyStop, actor: .human("bob"))))
            let actions = try await store.auditEvents(AuditQuery(subjectKind: "store", subjectID: Latch.emergencyStop)).map(\.event.action)
            #expect(actions == ["store.stop-all", "store.stop-all", "store.release"])
        }
    }
}
