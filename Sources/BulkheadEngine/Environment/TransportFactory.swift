import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging

extension BulkheadEnvironment {
    /// The capture mailbox when no upstream is configured (nothing leaves the machine); otherwise one
    /// SMTP connection pool per upstream, chosen per message by weight. The pools log through `logger`;
    /// an upstream's `messages_per_second` and `messages_per_hour` are counted in `store`, so every
    /// worker of the store shares them.
    static func makeTransport(
        _ configuration: BulkheadConfiguration, store: any MailStore, logger: Logger,
        clock: any BulkheadClock
    ) throws -> (any MessageTransport, @Sendable () async -> Void) {
        if configuration.upstreams.isEmpty {
            let capture = try CaptureTransport(directory: configuration.path("capture"), clock: clock)
            return (capture, {})
        }
        let pools = try configuration.upstreams.map { upstream in
            var smtp = smtpUpstream(upstream, heloName: heloName(configuration))
            let limits = sharedLimits(upstream)
            if !limits.isEmpty {
                smtp.sharedPermits = StoreSendPermits(store: store, upstream: upstream.name, limits: limits, clock: clock, logger: logger)
            }
            return try SMTPConnectionPool(upstream: smtp, clock: clock, logger: logger)
        }
        let weighted = try WeightedTransport(zip(pools, configuration.upstreams).map { ($0 as any MessageTransport, $1.weight) })
        let transport: any MessageTransport = pools.count == 1 ? pools[0] : weighted
        return (transport, { for pool in pools { await pool.shutdown() } })
    }

    /// The EHLO name: the From domain of the identity (a name the receiver can check), else the host name.
    static func heloName(_ configuration: BulkheadConfiguration) -> String {
        (try? configuration.fromMailbox.asciiDomain) ?? ProcessInfo.processInfo.hostName
    }

    static func smtpUpstream(_ upstream: BulkheadConfiguration.Upstream, heloName: String) -> SMTPUpstream {
        var session = SMTPSessionConfiguration(heloName: heloName)
        session.tlsPolicy =
            switch upstream.tls {
            case .required: .required
            case .opportunistic: .opportunistic
            case .off: .off
            }
        if let username = upstream.username, let password = upstream.password {
            session.credentials = SMTPCredentials(username: username, password: password)
        }
        var smtp = SMTPUpstream(host: upstream.host, port: upstream.port, session: session)
        smtp.tls.insecureSkipCertificateVerification = upstream.insecureSkipCertificateVerification
        smtp.maxConnections = upstream.maxConnections
        smtp.maxMessagesPerConnection = upstream.messagesPerConnection
        smtp.breaker = CircuitBreakerPolicy(
            failures: upstream.breaker.failures, openFor: .seconds(upstream.breaker.openSeconds),
            maximumOpen: .seconds(upstream.breaker.maxOpenSeconds))
        return smtp
    }

    /// An upstream's sending limits, counted in the store across workers (none: unlimited).
    static func sharedLimits(_ upstream: BulkheadConfiguration.Upstream) -> [SharedRateLimit] {
        var limits: [SharedRateLimit] = []
        if upstream.messagesPerSecond > 0 { limits.append(SharedRateLimit(count: upstream.messagesPerSecond, windowMilliseconds: 1_000)) }
        if upstream.messagesPerHour > 0 { limits.append(SharedRateLimit(count: upstream.messagesPerHour, windowMilliseconds: 3_600_000)) }
        return limits
    }
}
