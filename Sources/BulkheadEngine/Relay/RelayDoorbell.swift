/// Wakes the relay's delivery when the gateway queued a message, so relayed mail does not wait for
/// the next poll. Rings that come while delivery is busy collapse into one.
///
/// ```swift
/// let doorbell = RelayDoorbell()
/// doorbell.ring()                       // the gateway, after filing a message
/// for await _ in doorbell.rings { … }   // the deliverer
/// ```
public final class RelayDoorbell: Sendable {
    /// One element per ring not yet taken (at most one is kept).
    public let rings: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (rings, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks delivery to look for due work now.
    public func ring() {
        continuation.yield()
    }

    deinit { continuation.finish() }
}
