/// Permits to start a message under sending limits shared with other processes (the engine counts
/// them in the store): an ``SMTPConnectionPool`` asks for one before each send, after its own
/// ``SMTPUpstream/rateLimits``.
///
/// ```swift
/// var upstream = SMTPUpstream(host: "127.0.0.1", port: 25, session: .init(heloName: "mailer.example"))
/// upstream.sharedPermits = permits   // e.g. the engine's store-backed limits
/// ```
public protocol SharedSendPermits: Sendable {
    /// Takes one permit: nil when the message may start now (the permit is counted), else how long to
    /// wait before asking again.
    func takePermit() async -> Duration?
}
