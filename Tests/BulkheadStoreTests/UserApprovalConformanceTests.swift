import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: users, approvals, overrides")
struct UserApprovalConformanceTests {
    static let hash = "$2b$12$" + String(repeating: "a", count: 53)

    @Test(arguments: StoreBackend.allCases)
    func usersAreCreatedListedAndAudited(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, database in
            #expect(try await store.allUsers().isEmpty)
            let osActor = AuditActor.person(user: nil, osUser: "root")
            let ann = try await store.createUser(NewUser(name: "ann", roles: [.admin, .author], passwordHash: Self.hash), actor: osActor)
            #expect(
                ann
                    == User(
                        name: "ann", roles: [.admin, .author], passwordHash: Self.hash, disabled: false,
                        createdAt: SQLTime.truncated(database.clock.now)))
            database.clock.advance(by: 1)
            _ = try await store.createUser(
                NewUser(name: "Bob.Z-1_", roles: [.approver], passwordHash: Self.hash), actor: .person(user: "ann", osUser: "deploy"))
            #expect(try await store.allUsers().map(\.name) == ["Bob.Z-1_", "ann"], "by name (byte order)")
            #expect(try await store.user(named: "ann")?.roles == [.admin, .author])
            #expect(try await store.user(named: "ANN") == nil, "names are exact")

            await #expect(throws: StoreError.duplicate(kind: "user", key: "ann")) {
                try await store.createUser(NewUser(name: "ann", roles: [.relay], passwordHash: Self.hash), actor: osActor)
            }
            for bad in ["", String(repeating: "x", count: 65), "ann smith", "ann\u{0}", "änn", "a/b", "a@b"] {
                await #expect(throws: StoreError.self, "\(bad.debugDescription) is refused") {
                    try await store.createUser(NewUser(name: bad, roles: [.author], passwordHash: Self.hash), actor: osActor)
                }
            }
            _ = try await store.createUser(
                NewUser(name: String(repeating: "x", count: 64), roles: [.author], passwordHash: Self.hash), actor: osActor)
            await #expect(throws: StoreError.invalidData("a user needs at least one role")) {
                try await store.createUser(NewUser(name: "carl", roles: [], passwordHash: Self.hash), actor: osActor)
            }

            let events = try await store.auditEvents(AuditQuery(subjectKind: "user"))
            #expect(events.map(\.event.subjectID) == ["ann", "Bob.Z-1_", String(repeating: "x", count: 64)])
            #expect(events.first?.event.actor == osActor, "the OS user is kept, unauthenticated")
            #expect(events.dropFirst().first?.event.actor == .person(user: "ann", osUser: "deploy"), "the user and the OS user are kept")
            #expect(events.first?.event.details == ["roles": "author,admin"])
            #expect(!events.contains { CLIText.contains($0.event.details, Self.hash) }, "no hash in the audit log")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func disablingKeepsTheLastAdmin(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            _ = try await store.createUser(NewUser(name: "ann", roles: [.admin], passwordHash: Self.hash), actor: .system)
            _ = try await store.createUser(NewUser(name: "bob", roles: [.approver], passwordHash: Self.hash), actor: .system)
            await #expect(throws: StoreError.refused("ann is the last enabled admin: create another admin first")) {
                try await store.disableUser(named: "ann", actor: .human("ann"))
            }
            #expect(try await store.disableUser(named: "bob", actor: .human("ann")).disabled)
            #expect(try await store.disableUser(named: "bob", actor: .human("ann")).disabled, "disabling twice is fine")
            await #expect(throws: StoreError.notFound(.user("nobody"))) { try await store.disableUser(named: "nobody", actor: .human("ann")) }
            _ = try await store.createUser(NewUser(name: "cat", roles: [.admin, .author], passwordHash: Self.hash), actor: .system)
            #expect(try await store.disableUser(named: "ann", actor: .human("cat")).disabled, "another enabled admin exists")
            await #expect(throws: StoreError.self) { try await store.disableUser(named: "cat", actor: .human("cat")) }
            #expect(try await store.allUsers().map(\.disabled) == [true, true, false])
            let disables = try await store.auditEvents(AuditQuery(action: "user.disable"))
            #expect(disables.map(\.event.subjectID) == ["bob", "ann"], "one event per real change")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func approvalsBindToWhatTheApproverSawAndExcludeTheAuthor(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, database in
            let list = try await store.createList(name: "news", description: "")
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .person(user: "ann", osUser: "ann"))
            #expect(campaign.createdBy == "ann")
            let audience = AudienceDefinition(campaign.content)
            func approval(_ decision: ApprovalDecision, comment: String? = nil) -> NewApproval {
                NewApproval(decision: decision, comment: comment, fingerprint: "sha256:1", audience: audience, eligible: 700)
            }
            await #expect(throws: StoreError.refused("ann is the author of campaign \(campaign.id.rawValue): another approver must decide")) {
                try await store.recordApproval(campaign: campaign.id, approval(.approve), actor: .person(user: "ann", osUser: "bob"))
            }
            await #expect(throws: StoreError.self, "the system never approves") {
                try await store.recordApproval(campaign: campaign.id, approval(.approve), actor: .system)
            }
            #expect(try await store.approvals(campaign: campaign.id).isEmpty)

            let override = try await store.addOverride(
                campaign: campaign.id, code: "unsubscribe.missing", reason: "transactional notice", actor: .human("ann"))
            database.clock.advance(by: 60)
            let rejected = try await store.recordApproval(
                campaign: campaign.id, approval(.reject, comment: "wrong list"), actor: .person(user: "bob", osUser: "b"))
            let approved = try await store.recordApproval(
                campaign: campaign.id, approval(.approve, comment: "ok"), actor: .person(user: "cat", osUser: "c"))
            #expect(
                approved
                    == CampaignApproval(
                        id: approved.id, campaignID: campaign.id, decision: .approve, by: "cat", at: SQLTime.truncated(database.clock.now),
                        comment: "ok", fingerprint: "sha256:1", audience: audience, eligible: 700, overridesThrough: override.id))
            #expect(try await store.approvals(campaign: campaign.id) == [rejected, approved], "oldest first")
            #expect(rejected.decision == .reject && rejected.comment == "wrong list" && rejected.by == "bob")

            let late = try await store.addOverride(campaign: campaign.id, code: "dkim.missing", reason: "new key tomorrow", actor: .human("ann"))
            #expect(late.id > approved.overridesThrough, "an override after the approval is not covered by it")
            #expect(try await store.overrides(campaign: campaign.id).map(\.code) == ["unsubscribe.missing", "dkim.missing"])
            #expect(try await store.overrides(campaign: campaign.id).first == override)

            let actions = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)")).map(\.event.action)
            #expect(actions == ["campaign.create", "campaign.override", "campaign.reject", "campaign.approve", "campaign.override"])
            let approveEvent = try #require(try await store.auditEvents(AuditQuery(action: "campaign.approve")).first)
            #expect(approveEvent.event.actor == .person(user: "cat", osUser: "c"))
            #expect(approveEvent.event.details == ["fingerprint": "sha256:1", "eligible": 700, "comment": "ok"])

            await #expect(throws: StoreError.invalidData("an override needs a reason")) {
                try await store.addOverride(campaign: campaign.id, code: "x", reason: "  ", actor: .human("ann"))
            }
            await #expect(throws: StoreError.notFound(.campaign(CampaignID(rawValue: 999)))) {
                try await store.recordApproval(campaign: CampaignID(rawValue: 999), approval(.approve), actor: .human("bob"))
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func editorsAndOverrideRequestersCannotApproveAndOnlyCampaignsNotYetSentCanBeDecided(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
            var content = campaign.content
            content.subjectTemplate = "Edited by bob"
            _ = try await store.updateDraft(campaign.id, content: content, actor: .person(user: "bob", osUser: "bob"))
            let approval = NewApproval(decision: .approve, comment: nil, fingerprint: "f", audience: AudienceDefinition(content), eligible: 1)
            await #expect(throws: StoreError.refused("bob edited campaign \(campaign.id.rawValue): another approver must decide")) {
                try await store.recordApproval(campaign: campaign.id, approval, actor: .person(user: "bob", osUser: "x"))
            }
            // Whoever asked to waive an error (an override) cannot approve that request alone.
            _ = try await store.addOverride(
                campaign: campaign.id, code: "content.looks-like-test", reason: "r", actor: .person(user: "dan", osUser: "d"))
            await #expect(throws: StoreError.refused("dan requested an override on campaign \(campaign.id.rawValue): another approver must decide")) {
                try await store.recordApproval(campaign: campaign.id, approval, actor: .person(user: "dan", osUser: "d"))
            }
            #expect(try await store.recordApproval(campaign: campaign.id, approval, actor: .person(user: "cat", osUser: "c")).by == "cat")
            for state in [CampaignState.scheduled, .paused] {
                let other = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
                for step in CampaignConformanceTests.pathTo[state] ?? [] {
                    _ = try await store.transition(other.id, from: Set(CampaignState.allCases), to: step, actor: .system)
                }
                _ = try await store.recordApproval(campaign: other.id, approval, actor: .human("cat"))
            }
            for state in [CampaignState.pending, .sending, .sent, .cancelled, .aborted] {
                let other = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
                for step in CampaignConformanceTests.pathTo[state] ?? [] {
                    _ = try await store.transition(other.id, from: Set(CampaignState.allCases), to: step, actor: .system)
                }
                await #expect(throws: StoreError.self, "\(state) cannot be approved") {
                    try await store.recordApproval(campaign: other.id, approval, actor: .human("cat"))
                }
                await #expect(throws: StoreError.self, "\(state) cannot take an override") {
                    try await store.addOverride(campaign: other.id, code: "c", reason: "r", actor: .human("ann"))
                }
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func auditActorsRoundTrip(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let actors: [AuditActor] = [
                .system, .human("ann"), .person(user: "ann", osUser: "ann"), .person(user: "ann", osUser: "deploy"),
                .person(user: nil, osUser: "deploy"),
            ]
            for actor in actors {
                let stored = try await store.appendAudit(NewAuditEvent(actor: actor, action: "t", subjectKind: "k", subjectID: "1"))
                #expect(stored.event.actor == actor)
            }
            #expect(try await store.auditEvents(AuditQuery(action: "t")).map(\.event.actor) == actors)
        }
    }
}

/// Whether a JSON details dictionary holds `text` anywhere.
enum CLIText {
    static func contains(_ details: [String: JSONValue], _ text: String) -> Bool {
        details.values.contains { value in
            if case .string(let string) = value { string.contains(text) } else { false }
        }
    }
}
