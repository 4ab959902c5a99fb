import BulkheadStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import BulkheadWeb

/// The whole role × route matrix as one table: every operation of the document, called by no token,
/// a read-only token, an author's (read,send), an approver's (read,approve) and an admin's
/// (read,admin), each on a fresh world where the call can succeed, and the status each gets.
@Suite struct APIRouteMatrixTests {
    struct Route: Sendable, CustomStringConvertible {
        let operation: String
        let method: HTTPRequest.Method
        /// The path, from the world (its campaigns' and held message's ids).
        let path: @Sendable (APIWorld) -> String
        let body: String?
        /// Statuses for none, reader, author, approver, admin.
        let expected: [Int]
        var description: String { operation }
    }

    static let readers = [401, 200, 200, 200, 200]
    static let authors = [401, 403, 200, 403, 403]
    static let approvers = [401, 403, 403, 200, 403]
    static let admins = [401, 403, 403, 403, 200]
    /// Held mail: an approver or an admin decides it (as `bulkhead hold release`).
    static let holdDeciders = [401, 403, 403, 200, 200]

    static let routes: [Route] = [
        Route(operation: "listCampaigns", method: .get, path: { _ in "/api/campaigns" }, body: nil, expected: readers),
        Route(operation: "getCampaign", method: .get, path: { "/api/campaigns/\($0.draft.id.rawValue)" }, body: nil, expected: readers),
        Route(
            operation: "preflightCampaign", method: .get, path: { "/api/campaigns/\($0.draft.id.rawValue)/preflight" }, body: nil,
            expected: readers),
        Route(
            operation: "sendCampaign", method: .post, path: { "/api/campaigns/\($0.draft.id.rawValue)/send" }, body: "{}",
            expected: [401, 403, 202, 403, 403]),
        Route(
            operation: "pauseCampaign", method: .post, path: { "/api/campaigns/\($0.sending.id.rawValue)/pause" }, body: #"{"reason":"check"}"#,
            expected: authors),
        Route(operation: "abortCampaign", method: .post, path: { "/api/campaigns/\($0.sending.id.rawValue)/abort" }, body: nil, expected: authors),
        Route(operation: "cancelCampaign", method: .post, path: { "/api/campaigns/\($0.draft.id.rawValue)/cancel" }, body: nil, expected: authors),
        Route(
            operation: "promoteCampaign", method: .post, path: { "/api/campaigns/\($0.canaryHold.id.rawValue)/promote" }, body: nil,
            expected: authors),
        Route(
            operation: "approveCampaign", method: .post, path: { "/api/campaigns/\($0.draft.id.rawValue)/approve" }, body: #"{"comment":"ok"}"#,
            expected: approvers),
        Route(operation: "rejectCampaign", method: .post, path: { "/api/campaigns/\($0.draft.id.rawValue)/reject" }, body: nil, expected: approvers),
        Route(operation: "stopAll", method: .post, path: { _ in "/api/stop-all" }, body: #"{"reason":"wrong list"}"#, expected: authors),
        Route(operation: "releaseStopAll", method: .delete, path: { _ in "/api/stop-all" }, body: nil, expected: admins),
        Route(operation: "listHolds", method: .get, path: { _ in "/api/holds" }, body: nil, expected: readers),
        Route(
            operation: "releaseHold", method: .post, path: { "/api/holds/\($0.held.rawValue)/release" }, body: #"{"mode":"split"}"#,
            expected: holdDeciders),
        Route(operation: "discardHold", method: .post, path: { "/api/holds/\($0.held.rawValue)/discard" }, body: nil, expected: holdDeciders),
        Route(operation: "listTokens", method: .get, path: { _ in "/api/tokens" }, body: nil, expected: readers),
        Route(operation: "getMe", method: .get, path: { _ in "/api/me" }, body: nil, expected: readers),
    ]

    static let cases: [(Route, APIWorld.Caller)] = routes.flatMap { route in APIWorld.Caller.allCases.map { (route, $0) } }

    @Test(arguments: cases)
    func statusOf(_ route: Route, _ caller: APIWorld.Caller) async throws {
        let world = try await APIWorld.make()
        let expected = route.expected[APIWorld.Caller.allCases.firstIndex(of: caller)!]
        try await world.application.test(.router) { client in
            try await client.execute(
                uri: route.path(world), method: route.method, headers: world.headers(caller, json: route.body != nil),
                body: route.body.map { ByteBuffer(string: $0) }
            ) { response in
                let body = String(buffer: response.body)
                #expect(response.status.code == expected, "\(route.operation) as \(caller): \(body)")
                if expected == 401 {
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
                if expected == 403 {
                    let scope = APIScopeCheck.describe(APIScopeCheck.required[route.operation]!)
                    #expect(body.contains("this needs the scope \(scope)"), "the refusal names the scope: \(body)")
                }
                if expected >= 400 {
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                }
            }
        }
        await world.close()
    }

    /// The table covers every operation of the document, and each declares the scope the table assumes.
    @Test func theTableCoversEveryOperation() {
        #expect(Set(Self.routes.map(\.operation)) == Set(APIScopeCheck.required.keys))
        for route in Self.routes {
            let scope = APIScopeCheck.required[route.operation]
            let expected: Set<APIScope> =
                switch route.expected {
                case Self.readers: [.read]
                case Self.admins: [.admin]
                case Self.approvers: [.approve]
                case Self.holdDeciders: [.approve, .admin]
                default: [.send]
                }
            #expect(scope == expected, "\(route.operation)")
        }
    }
}
