import BulkheadStore
import Hummingbird
import NIOCore

/// The request context of the HTTP listener: Hummingbird's core storage, the client's address (kept
/// as consent evidence with an unsubscribe, and the key of the log-in rate limit) and who is acting,
/// once a middleware has checked a session cookie or an API token.
struct WebRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// The logged-in person or the API token's user; nil on public routes and before a check.
    var identity: WebIdentity?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        identity = nil
    }
}

/// Who acts on a request: a dashboard session (cookie) or an API token (bearer).
enum WebIdentity: Sendable {
    case session(WebSession)
    case token(APIGrant)

    /// The user acting.
    var user: User {
        switch self {
        case .session(let session): session.user
        case .token(let grant): grant.user
        }
    }

    /// The actor recorded in the audit log.
    var actor: AuditActor { .human(user.name) }
}
