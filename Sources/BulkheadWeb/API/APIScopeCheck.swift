import BulkheadStore
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Refuses (403, naming the scope) a token whose scopes lack the one its operation needs. The table
/// is the document's own: each operation's `x-bulkhead-scope` in `openapi.yaml` (one scope, or
/// alternatives such as `approve|admin`: held mail is decided by an approver or an admin, as in the
/// CLI), read once from the served JSON, so the document and the server cannot disagree. An
/// operation without one is refused to everyone (fail closed).
///
/// ```swift
/// APIScopeCheck.required["sendCampaign"]   // [.send]
/// APIScopeCheck.required["releaseHold"]    // [.approve, .admin]
/// ```
struct APIScopeCheck: ServerMiddleware {
    /// operationId → the scopes of which a token needs one, from ``OpenAPIDocument``.
    static let required: [String: Set<APIScope>] = {
        guard let document = try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any],
            let paths = document["paths"] as? [String: Any]
        else { return [:] }
        var table: [String: Set<APIScope>] = [:]
        for case let item as [String: Any] in paths.values {
            for case let operation as [String: Any] in item.values {
                guard let id = operation["operationId"] as? String else { continue }
                guard let names = operation["x-bulkhead-scope"] as? String else { continue }
                let scopes = names.split(separator: "|").map { APIScope(rawValue: String($0)) }
                // A name that is no scope refuses the operation to everyone (fail closed).
                if !scopes.isEmpty, scopes.allSatisfy({ $0 != nil }) { table[id] = Set(scopes.compactMap { $0 }) }
            }
        }
        return table
    }()

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let grant = try APICaller.current()
        guard let scopes = Self.required[operationID] else {
            return APIErrorMiddleware.response(.forbidden("\(operationID) declares no scope in /api/openapi.json; nobody may call it"))
        }
        guard !grant.scopes.isDisjoint(with: scopes) else {
            let held = grant.scopes.isEmpty ? "none" : APIScope.text(grant.scopes)
            return APIErrorMiddleware.response(
                .forbidden("this needs the scope \(Self.describe(scopes)); the token has \(held) (within \(grant.user.name)'s roles)"))
        }
        return try await next(request, body, metadata)
    }

    /// `approve` or `approve or admin`.
    static func describe(_ scopes: Set<APIScope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: " or ")
    }
}
