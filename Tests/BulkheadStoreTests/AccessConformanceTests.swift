import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: web sessions and API tokens")
struct AccessConformanceTests {
    static let hash = "$2b$12$" + String(repeating: "a", count: 53)

    @Test(arguments: StoreBackend.allCases)
    func sessionsLiveUntilTheyExpireAreEndedOrTheirUserIsDisabled(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, database in
            _ = try await store.createUser(NewUser(name: "ann", roles: [.admin], passwordHash: Self.hash), actor: .system)
            _ = try await store.createUser(NewUser(name: "bob", roles: [.author], passwordHash: Self.hash), actor: .system)
            let start = database.clock.now
            try await store.createWebSession(
                NewWebSession(tokenHash: "h-ann", userName: "ann", csrfToken: "c1", expiresAt: start.addingTimeInterval(3_600)))
            try await store.createWebSession(
                NewWebSession(tokenHash: "h-bob", userName: "bob", csrfToken: "c2", expiresAt: start.addingTimeInterval(7_200)))
            let ann = try #require(try await store.webSession(tokenHash: "h-ann"))
            #expect(ann.user.name == "ann" && ann.csrfToken == "c1")
            #expect(try await store.webSession(tokenHash: "h-nobody") == nil)
            await #expect(throws: StoreError.notFound(.user("carl"))) {
                try await store.createWebSession(NewWebSession(tokenHash: "h-c", userName: "carl", csrfToken: "c", expiresAt: start))
            }

            database.clock.advance(by: 3_600)
            #expect(try await store.webSession(tokenHash: "h-ann") == nil, "expired at its end")
            #expect(try await store.webSession(tokenHash: "h-bob") != nil)
            _ = try await store.disableUser(named: "bob", actor: .human("ann"))
            #expect(try await store.webSession(tokenHash: "h-bob") == nil, "a disabled user's session no longer counts")

            try await store.createWebSession(
                NewWebSession(tokenHash: "h-ann2", userName: "ann", csrfToken: "c3", expiresAt: database.clock.now.addingTimeInterval(60)))
            #expect(try await store.endWebSession(tokenHash: "h-ann2"))
            #expect(try await store.endWebSession(tokenHash: "h-ann2") == false)
            #expect(try await store.webSession(tokenHash: "h-ann2") == nil)
            let logins = try await store.auditEvents(AuditQuery(subjectKind: "user")).filter { $0.event.action == "user.login" }
            #expect(logins.map(\.event.subjectID) == ["ann", "bob", "ann"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func tokensCarryScopesWithinTheirUsersRoles(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            _ = try await store.createUser(NewUser(name: "ann", roles: [.admin], passwordHash: Self.hash), actor: .system)
            _ = try await store.createUser(NewUser(name: "bob", roles: [.author], passwordHash: Self.hash), actor: .system)
            await #expect(throws: StoreError.refused("bob (roles author) may not give a token the scope approve,admin")) {
                try await store.createAPIToken(
                    NewAPIToken(tokenHash: "t0", userName: "bob", scopes: [.send, .approve, .admin], label: ""), actor: .human("ann"))
            }
            let token = try await store.createAPIToken(
                NewAPIToken(tokenHash: "t1", userName: "bob", scopes: [.read, .send], label: "deploy script"), actor: .human("ann"))
            #expect(token.scopes == [.read, .send] && token.label == "deploy script" && token.revokedAt == nil)
            let grant = try #require(try await store.apiGrant(tokenHash: "t1"))
            #expect(grant.user.name == "bob" && grant.scopes == [.read, .send])
            #expect(try await store.apiGrant(tokenHash: "t2") == nil)
            await #expect(throws: StoreError.self, "one hash, one token") {
                try await store.createAPIToken(NewAPIToken(tokenHash: "t1", userName: "ann", scopes: [.read], label: ""), actor: .system)
            }
            _ = try await store.createAPIToken(NewAPIToken(tokenHash: "t3", userName: "ann", scopes: [.admin], label: "ops"), actor: .system)
            #expect(try await store.apiTokens(userName: nil).map(\.label) == ["ops", "deploy script"], "newest first")
            #expect(try await store.apiTokens(userName: "bob").map(\.id) == [token.id])

            #expect(try await store.revokeAPIToken(id: token.id, actor: .human("ann")))
            #expect(try await store.revokeAPIToken(id: token.id, actor: .human("ann")) == false)
            #expect(try await store.apiGrant(tokenHash: "t1") == nil, "revoked")
            #expect(try await store.apiTokens(userName: "bob").first?.revokedAt != nil)
            await #expect(throws: StoreError.notFound(.apiToken(999))) { try await store.revokeAPIToken(id: 999, actor: .system) }
            let audit = try await store.auditEvents(AuditQuery(subjectKind: "user")).map(\.event.action)
            #expect(audit.filter { $0.hasPrefix("token.") } == ["token.create", "token.create", "token.revoke"])
            #expect(!(try await store.auditEvents(AuditQuery(subjectKind: "user"))).contains { CLIText.contains($0.event.details, "t1") })
        }
    }

    /// Review of 2026-12-05: a relay-only user's `read` token read other people's addresses (held
    /// mail's senders, preflight examples) through the API. They get no scope at all now.
    @Test(arguments: StoreBackend.allCases)
    func aRelayOnlyUserGetsNoToken(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            _ = try await store.createUser(NewUser(name: "rita", roles: [.relay], passwordHash: Self.hash), actor: .system)
            _ = try await store.createUser(NewUser(name: "ray", roles: [.relay, .author], passwordHash: Self.hash), actor: .system)
            await #expect(throws: StoreError.refused("rita (roles relay) may not give a token the scope read")) {
                try await store.createAPIToken(NewAPIToken(tokenHash: "r1", userName: "rita", scopes: [.read], label: ""), actor: .system)
            }
            #expect(APIScope.allowed(for: [.relay]).isEmpty)
            #expect(APIScope.allowed(for: [.relay, .author]) == [.read, .send])
            let ray = try await store.createAPIToken(NewAPIToken(tokenHash: "r2", userName: "ray", scopes: [.read], label: ""), actor: .system)
            #expect(ray.scopes == [.read])
        }
    }
}
