import BulkheadEngine
import BulkheadStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import BulkheadWeb

/// The JSON API's answers against a real engine (SQLite, the capture mailbox): what each endpoint
/// returns, changes and refuses. Who may call what is ``APIRouteMatrixTests``.
@Suite struct APIRoutesTests {
    struct Reply {
        let status: Int
        let headers: HTTPFields
        let json: Any?
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    }

    /// Calls `path` with `headers` (a caller's token) and `body`, and parses the JSON reply.
    static func call(
        _ world: APIWorld, _ method: HTTPRequest.Method, _ path: String, as headers: HTTPFields, body: String? = nil
    ) async throws -> Reply {
        var fields = headers
        if body != nil { fields[.contentType] = "application/json" }
        let request = fields
        return try await world.application.test(.router) { client in
            try await client.execute(uri: path, method: method, headers: request, body: body.map { ByteBuffer(string: $0) }) { response in
                Reply(
                    status: Int(response.status.code), headers: response.headers,
                    json: try? JSONSerialization.jsonObject(with: Data(buffer: response.body)))
            }
        }
    }

    @Test func theDocumentIsServedWithoutATokenAndMatchesTheStore() async throws {
        let world = try await APIWorld.make()
        let reply = try await Self.call(world, .get, "/api/openapi.json", as: [:])
        #expect(reply.status == 200)
        #expect(reply.object["openapi"] as? String == "3.1.0")
        let paths = try #require(reply.object["paths"] as? [String: Any])
        #expect(paths.keys.contains("/campaigns/{id}/send"))
        let schemas = try #require((reply.object["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let states = try #require((schemas["CampaignState"] as? [String: Any])?["enum"] as? [String])
        #expect(states == CampaignState.allCases.map(\.rawValue), "the document's states are the CLI's")
        let scopes = try #require((schemas["Scope"] as? [String: Any])?["enum"] as? [String])
        #expect(scopes == APIScope.allCases.map(\.rawValue))
        await world.close()
    }

    @Test func aTokenThatIsNotValidGets401AndIsNeverEchoed() async throws {
        let world = try await APIWorld.make()
        let forged = AccessSecret.make(prefix: AccessSecret.apiTokenPrefix)
        for headers: HTTPFields in [[.authorization: "Bearer \(forged)"], [.authorization: "Basic YW5uOnB3"], [.authorization: "Bearer "]] {
            let reply = try await Self.call(world, .get, "/api/me", as: headers)
            #expect(reply.status == 401 && reply.headers[.wwwAuthenticate] == "Bearer")
            #expect(reply.object["code"] as? String == "unauthorized")
            #expect(!"\(reply.object)".contains(forged))
        }
        // Revoked: the same token worked a moment ago.
        let token = try await APIWorld.token(world.store, user: "ann", scopes: [.read])
        #expect(try await Self.call(world, .get, "/api/me", as: [.authorization: "Bearer \(token)"]).status == 200)
        let id = try #require(try await world.store.apiTokens(userName: "ann").first?.id)
        _ = try await world.store.revokeAPIToken(id: id, actor: .system)
        #expect(try await Self.call(world, .get, "/api/me", as: [.authorization: "Bearer \(token)"]).status == 401)
        await world.close()
    }

    @Test func aCampaignWithItsCountsAudienceAndApprovals() async throws {
        let world = try await APIWorld.make()
        let id = world.draft.id.rawValue
        let approved = try await Self.call(world, .post, "/api/campaigns/\(id)/approve", as: world.headers(.approver), body: #"{"comment":"fine"}"#)
        #expect(approved.status == 200 && approved.object["by"] as? String == "bob" && approved.object["eligible"] as? Int == 3)
        let reply = try await Self.call(world, .get, "/api/campaigns/\(id)", as: world.headers(.reader))
        #expect(reply.status == 200)
        let campaign = try #require(reply.object["campaign"] as? [String: Any])
        #expect(campaign["state"] as? String == "draft" && campaign["created_by"] as? String == "ann" && campaign["name"] as? String == "draft")
        #expect((reply.object["audience"] as? [String: Any])?["eligible"] as? Int == 3)
        #expect((reply.object["counts"] as? [String: Any])?["total"] as? Int == 0)
        let approvals = try #require(reply.object["approvals"] as? [[String: Any]])
        #expect(approvals.count == 1 && approvals.first?["decision"] as? String == "approve" && approvals.first?["comment"] as? String == "fine")

        let sending = try await Self.call(world, .get, "/api/campaigns/\(world.sending.id.rawValue)", as: world.headers(.reader))
        #expect((sending.object["campaign"] as? [String: Any])?["state"] as? String == "sending")
        #expect((sending.object["counts"] as? [String: Any])?["queued"] as? Int == 3)

        let list = try await Self.call(world, .get, "/api/campaigns", as: world.headers(.reader))
        #expect(list.array.map { $0["id"] as? Int64 } == [world.canaryHold.id, world.sending.id, world.draft.id].map(\.rawValue))
        await world.close()
    }

    @Test func preflightSaysWhatASendNeedsAndChangesNothing() async throws {
        let world = try await APIWorld.make()
        let id = world.draft.id.rawValue
        let reply = try await Self.call(world, .get, "/api/campaigns/\(id)/preflight?confirm=5", as: world.headers(.reader))
        #expect(reply.status == 200)
        #expect(reply.object["transport"] as? String == "capture")
        let requirements = try #require(reply.object["requirements"] as? [String: Any])
        #expect(requirements["may_go"] as? Bool == false && requirements["confirmation_needed"] as? Int == 3)
        let findings = try #require(reply.object["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { $0["code"] is String && $0["severity"] is String && $0["message"] is String })
        #expect(try await world.store.campaign(id: world.draft.id)?.state == .draft)
        await world.close()
    }

    @Test func theGatedSendLaunchesOrRefusesWithTheFindings() async throws {
        let world = try await APIWorld.make()
        let id = world.draft.id.rawValue
        let refused = try await Self.call(world, .post, "/api/campaigns/\(id)/send", as: world.headers(.author), body: #"{"confirm":5}"#)
        #expect(refused.status == 422 && refused.object["code"] as? String == "refused")
        #expect((refused.object["requirements"] as? [String: Any])?["confirmation_needed"] as? Int == 3)
        #expect(refused.object["findings"] is [[String: Any]])
        #expect(try await world.store.ledgerCounts(campaign: world.draft.id).total == 0, "nothing queued")

        let sent = try await Self.call(world, .post, "/api/campaigns/\(id)/send", as: world.headers(.author), body: #"{"confirm":3}"#)
        #expect(sent.status == 202 && sent.object["queued"] as? Int == 3 && sent.object["undo_deadline"] == nil)
        #expect((sent.object["campaign"] as? [String: Any])?["state"] as? String == "sending", "launched for `serve` to deliver")
        let events = try await world.store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)", action: "campaign.send"))
        #expect(events.first?.event.actor == .human("ann"), "the token's user is recorded")
        await world.close()
    }

    @Test func theEmergencyStopPausesAndRefusesSendsUntilReleased() async throws {
        let world = try await APIWorld.make()
        let stopped = try await Self.call(world, .post, "/api/stop-all", as: world.headers(.author), body: #"{"reason":"wrong list"}"#)
        #expect(
            stopped.status == 200
                && Set(stopped.object["paused"] as? [Int] ?? []) == Set([world.sending.id, world.canaryHold.id].map { Int($0.rawValue) }))
        #expect(stopped.object["reason"] as? String == "wrong list")
        let send = try await Self.call(world, .post, "/api/campaigns/\(world.draft.id.rawValue)/send", as: world.headers(.author))
        #expect(send.status == 409 && send.object["code"] as? String == "stopped")
        let empty = try await Self.call(world, .post, "/api/stop-all", as: world.headers(.author), body: #"{"reason":""}"#)
        #expect(empty.status == 400)
        let released = try await Self.call(world, .delete, "/api/stop-all", as: world.headers(.admin))
        #expect(released.status == 200 && released.object["released"] as? Bool == true)
        let again = try await Self.call(world, .delete, "/api/stop-all", as: world.headers(.admin))
        #expect(again.object["released"] as? Bool == false)
        await world.close()
    }

    @Test func fourEyesHoldThroughTheAPI() async throws {
        let world = try await APIWorld.make()
        // eve is author and approver; her token has every scope her roles allow.
        let eve = try await APIWorld.token(world.store, user: "eve", scopes: [.read, .send, .approve])
        let own = try await world.store.createCampaign(
            CampaignContent(
                name: "eve's", listID: world.draft.content.listID, from: "Shop <news@shop.example>", subjectTemplate: "Hi", textTemplate: "Hi"),
            actor: .person(user: "eve", osUser: "tester"))
        let reply = try await Self.call(world, .post, "/api/campaigns/\(own.id.rawValue)/approve", as: [.authorization: "Bearer \(eve)"])
        #expect(reply.status == 403 && reply.object["code"] as? String == "four-eyes")
        #expect(reply.object["error"] as? String == "eve is the author of campaign \(own.id.rawValue): another approver must decide")
        #expect(try await world.store.approvals(campaign: own.id).isEmpty)
        // Another approver may; eve may approve ann's.
        let other = try await Self.call(world, .post, "/api/campaigns/\(world.draft.id.rawValue)/approve", as: [.authorization: "Bearer \(eve)"])
        #expect(other.status == 200 && other.object["by"] as? String == "eve")
        await world.close()
    }

    @Test func stopsThatTheStateDoesNotAllowAndUnknownRecords() async throws {
        let world = try await APIWorld.make()
        let author = world.headers(.author)
        let pauseDraft = try await Self.call(world, .post, "/api/campaigns/\(world.draft.id.rawValue)/pause", as: author)
        #expect(pauseDraft.status == 409 && pauseDraft.object["code"] as? String == "conflict")
        let cancelSending = try await Self.call(world, .post, "/api/campaigns/\(world.sending.id.rawValue)/cancel", as: author)
        #expect(cancelSending.status == 409)
        #expect((cancelSending.object["error"] as? String)?.contains("use `bulkhead campaign abort") == true)
        let promoteDraft = try await Self.call(world, .post, "/api/campaigns/\(world.draft.id.rawValue)/promote", as: author)
        #expect(promoteDraft.status == 409)
        #expect(try await Self.call(world, .get, "/api/campaigns/999", as: author).status == 404)
        let bad = try await Self.call(world, .get, "/api/campaigns/abc", as: author)
        #expect(bad.status == 400 && bad.object["code"] as? String == "bad-request")
        let badBody = try await Self.call(world, .post, "/api/campaigns/\(world.draft.id.rawValue)/send", as: author, body: "{not json")
        #expect(badBody.status == 400)

        let paused = try await Self.call(world, .post, "/api/campaigns/\(world.sending.id.rawValue)/pause", as: author, body: #"{"reason":"typo"}"#)
        #expect(paused.status == 200 && paused.object["state"] as? String == "paused" && paused.object["pause_reason"] as? String == "typo")
        let aborted = try await Self.call(world, .post, "/api/campaigns/\(world.sending.id.rawValue)/abort", as: author)
        #expect(aborted.status == 200 && aborted.object["state"] as? String == "aborted")
        let promoted = try await Self.call(world, .post, "/api/campaigns/\(world.canaryHold.id.rawValue)/promote", as: author)
        #expect(promoted.status == 200 && promoted.object["state"] as? String == "sending")
        let cancelled = try await Self.call(world, .post, "/api/campaigns/\(world.draft.id.rawValue)/cancel", as: author)
        #expect(cancelled.status == 200 && cancelled.object["state"] as? String == "cancelled")
        await world.close()
    }

    @Test func heldMailIsListedReleasedAndDiscarded() async throws {
        let world = try await APIWorld.make()
        let list = try await Self.call(world, .get, "/api/holds", as: world.headers(.reader))
        #expect(list.array.count == 1 && list.array.first?["state"] as? String == "held" && list.array.first?["hold_reason"] as? String == "findings")
        #expect((list.array.first?["findings"] as? [[String: Any]])?.first?["code"] as? String == "relay.exposure")
        let id = world.held.rawValue
        let released = try await Self.call(world, .post, "/api/holds/\(id)/release", as: world.headers(.approver), body: #"{"mode":"bcc"}"#)
        #expect(released.status == 200 && (released.object["hold"] as? [String: Any])?["state"] as? String == "queued")
        #expect(released.object["signing"] is String, "a rewritten copy says how it is signed")
        #expect(try await world.store.relayMessage(world.held)?.copyForm == .bcc)
        let discard = try await Self.call(world, .post, "/api/holds/\(id)/discard", as: world.headers(.approver))
        #expect(discard.status == 409, "no longer held")
        #expect(try await Self.call(world, .post, "/api/holds/999/discard", as: world.headers(.approver)).status == 404)
        let badMode = try await Self.call(world, .post, "/api/holds/\(id)/release", as: world.headers(.approver), body: #"{"mode":"all"}"#)
        #expect(badMode.status == 400)
        await world.close()
    }

    @Test func theCallerAndTheirTokens() async throws {
        let world = try await APIWorld.make()
        let me = try await Self.call(world, .get, "/api/me", as: world.headers(.author))
        #expect(me.object["user"] as? String == "ann" && me.object["roles"] as? [String] == ["author"])
        #expect(me.object["scopes"] as? [String] == ["read", "send"])
        let own = try await Self.call(world, .get, "/api/tokens", as: world.headers(.author))
        #expect(own.array.count == 2 && own.array.allSatisfy { $0["user"] as? String == "ann" }, "ann's reader and author tokens")
        let all = try await Self.call(world, .get, "/api/tokens", as: world.headers(.admin))
        #expect(all.array.count == 4)
        #expect(!all.array.contains { $0.keys.contains("token") || $0.keys.contains("hash") }, "never a token or its hash")
        // A role lost takes its scope away at once.
        let token = try await APIWorld.token(world.store, user: "eve", scopes: [.read, .send])
        _ = try await world.store.disableUser(named: "eve", actor: .system)
        #expect(try await Self.call(world, .get, "/api/me", as: [.authorization: "Bearer \(token)"]).status == 401, "a disabled user's token")
        await world.close()
    }
}
