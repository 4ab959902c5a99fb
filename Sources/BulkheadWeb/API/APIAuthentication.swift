import BulkheadEngine
import BulkheadStore
import Foundation
import HTTPTypes
import Hummingbird

/// The API's authentication, on every `/api/*` route but the document: `Authorization: Bearer bht_…`
/// is hashed (``AccessSecret/hash(_:)``) and looked up (``MailStore/apiGrant(tokenHash:)``: unknown,
/// revoked and disabled users' tokens all fail alike) → `context.identity = .token(grant)`, and the
/// rest of the request runs with ``APICaller/grant`` bound. Missing or not valid: 401 with
/// `WWW-Authenticate: Bearer`. The token itself is never logged or echoed.
///
/// Request bodies are collected here, up to ``maximumBodyBytes`` (the API's bodies are a few fields;
/// larger ones get 413 before any handler runs).
struct APIAuthentication: RouterMiddleware {
    typealias Context = WebRequestContext
    let store: any MailStore

    /// The largest request body read.
    static let maximumBodyBytes = 64 * 1024

    func handle(_ request: Request, context: WebRequestContext, next: (Request, WebRequestContext) async throws -> Response) async throws
        -> Response
    {
        guard let token = Self.bearerToken(request.headers[.authorization]) else {
            return Self.response(.unauthorized("an API token is needed: Authorization: Bearer bht_… (bulkhead token create)"))
        }
        guard let grant = try await store.apiGrant(tokenHash: AccessSecret.hash(token)) else {
            return Self.response(.unauthorized("the API token is not valid (unknown, revoked, or its user is disabled)"))
        }
        var request = request
        _ = try await request.collectBody(upTo: Self.maximumBodyBytes)
        var context = context
        context.identity = .token(grant)
        return try await APICaller.$grant.withValue(grant) { try await next(request, context) }
    }

    /// The token of an `Authorization: Bearer TOKEN` field (scheme case-insensitive, RFC 7235), or nil.
    static func bearerToken(_ field: String?) -> String? {
        guard let field else { return nil }
        let parts = field.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func response(_ error: APIError) -> Response {
        Response(status: error.status, headers: error.headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.body)))
    }
}
