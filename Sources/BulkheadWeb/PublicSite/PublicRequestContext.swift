import Hummingbird
import NIOCore

/// The request context of the public listener: Hummingbird's core storage and the client's address
/// (kept as consent evidence with an unsubscribe, never used to limit anyone).
struct PublicRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
