import BulkheadStore
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Refuses (403, naming the scope) a token whose scopes lack the one its operation needs. The table
/// is the document's own: each operation's `x-bulkhead-scope` in `openapi.yaml`, read once from the
/// served JSON, so the document and the server cannot disagree. An operation without one is refused
/// to everyone (fail closed).
///
/// ```swift
/// APIScopeCheck.required["sendCampaign"]   // .send
/// ```
struct APIScopeCheck: ServerMiddleware {
    /// operationId → the scope it needs, from ``OpenAPIDocument``.
    static let required: [String: APIScope] = {
        guard let document = try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any],
            let paths = document["paths"] as? [String: Any]
        else { return [:] }
        var table: [String: APIScope] = [:]
        for case let item as [String: Any] in paths.values {
            for case let operation as [String: Any] in item.values {
                guard let id = operation["operationId"] as? String else { continue }
                if let name = operation["x-bulkhead-scope"] as? String, let scope = APIScope(rawValue: name) { table[id] = scope }
            }
        }
        return table
    }()

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let grant = try APICaller.current()
        guard let scope = Self.required[operationID] else {
            return APIErrorMiddleware.response(.forbidden("\(operationID) declares no scope in /api/openapi.json; nobody may call it"))
        }
        guard grant.scopes.contains(scope) else {
            let held = grant.scopes.isEmpty ? "none" : APIScope.text(grant.scopes)
            return APIErrorMiddleware.response(
                .forbidden("this needs the scope \(scope.rawValue); the token has \(held) (within \(grant.user.name)'s roles)"))
        }
        return try await next(request, body, metadata)
    }
}
