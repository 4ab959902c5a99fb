import BulkheadStore

/// Who calls the JSON API on this request: the checked token (its user and scopes), handed from
/// ``APIAuthentication`` (a Hummingbird middleware, which sees the request context) to the generated
/// handlers (which do not: swift-openapi-generator's `APIProtocol` methods get only their typed input).
///
/// The usual swift-openapi-hummingbird pattern: the middleware runs the rest of the request inside
/// `APICaller.$grant.withValue(grant) { … }`, and the handlers, the scope check and the error
/// middleware read ``current()``. A task local is bound to the task running the request, so two
/// requests never see each other's caller.
///
/// ```swift
/// let grant = try APICaller.current()           // in an `APIProtocol` method
/// let actor = APICaller.actor(grant)            // .human("ann") for the audit log
/// ```
enum APICaller {
    /// The token of the request under way; nil outside ``APIAuthentication``.
    @TaskLocal static var grant: APIGrant?

    /// The caller, or a 401 (a route reached without the middleware: never the case when registered by ``APIRoutes``).
    static func current() throws -> APIGrant {
        guard let grant else { throw APIError.unauthorized("an API token is needed: Authorization: Bearer bht_…") }
        return grant
    }

    /// The actor recorded in the audit log: the token's user, like a dashboard session's.
    static func actor(_ grant: APIGrant) -> AuditActor { WebIdentity.token(grant).actor }
}
