public import BulkheadPolicy
import Foundation

extension BulkheadConfiguration {
    /// The guard relay of `bulkhead serve`: an SMTP submission listener in front of the upstreams that
    /// checks each message (exposure, test mail, audience size, the per-sender breaker, the bulk undo
    /// window) and relays, holds or refuses it. Off unless `listen` names an address.
    ///
    /// ```yaml
    /// relay:
    ///   listen: ["127.0.0.1:2525"]
    ///   allow_networks: ["127.0.0.1/32"]
    ///   breaker: {messages: 30, recipients: 100, window_seconds: 600}
    /// ```
    public struct Relay: Sendable, Hashable, Codable {
        /// Addresses to listen on (submission); empty: no relay (the default).
        public var listen: [ListenAddress]
        /// Client networks that may relay without AUTH; everyone else must authenticate as a user with
        /// the `relay` role (over TLS, or on loopback).
        public var allowNetworks: [IPNetwork]
        /// The per-sender breaker.
        public var breaker: Breaker
        /// External recipients visible in To/Cc from which a message is held.
        public var exposureHoldRecipients: Int
        /// Envelope recipients from which a message waits `bulk_undo_seconds` before it is relayed.
        public var bulkUndoFromRecipients: Int
        /// How long a bulk message can be recalled (`bulkhead hold recall ID`) before it is relayed.
        public var bulkUndoSeconds: Int
        /// The largest message accepted, in bytes.
        public var maxMessageBytes: Int
        /// Envelope recipients per message.
        public var maxRecipients: Int
        /// Lets clients on loopback authenticate without TLS (a local mail client on the same host).
        public var insecureAuthWithoutTLSOnLoopback: Bool
        /// The most SMTP sessions open at once; one more gets `421 4.7.0` at connect.
        public var maxConnections: Int
        /// The most sessions open at once from one client IP address. Submission comes from a few hosts
        /// with many sessions each (an application server, `smtp-source -s 100`).
        public var maxConnectionsPerClient: Int

        public init() {
            listen = []
            allowNetworks = [IPNetwork.loopbackV4]
            breaker = Breaker()
            exposureHoldRecipients = 10
            bulkUndoFromRecipients = 25
            bulkUndoSeconds = 120
            maxMessageBytes = 25 * 1024 * 1024
            maxRecipients = 1_000
            insecureAuthWithoutTLSOnLoopback = false
            maxConnections = 400
            maxConnectionsPerClient = 200
        }

        /// The breaker's limits (`messages: 0` turns it off).
        public struct Breaker: Sendable, Hashable, Codable {
            public var messages: Int
            public var recipients: Int
            public var windowSeconds: Int

            public init() {
                messages = 30
                recipients = 100
                windowSeconds = 600
            }

            /// As the policy takes them.
            public var limits: SenderBreakerLimits {
                SenderBreakerLimits(messages: messages, distinctRecipients: recipients, window: .seconds(windowSeconds))
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case messages, recipients
                case windowSeconds = "window_seconds"
            }

            public init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(CodingKeys.self)
                let c = try decoder.container(keyedBy: CodingKeys.self)
                let defaults = Breaker()
                messages = try c.value(.messages, default: defaults.messages)
                recipients = try c.value(.recipients, default: defaults.recipients)
                windowSeconds = try c.value(.windowSeconds, default: defaults.windowSeconds)
            }
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case listen, breaker
            case allowNetworks = "allow_networks"
            case exposureHoldRecipients = "exposure_hold_recipients"
            case bulkUndoFromRecipients = "bulk_undo_from_recipients"
            case bulkUndoSeconds = "bulk_undo_seconds"
            case maxMessageBytes = "max_message_bytes"
            case maxRecipients = "max_recipients"
            case insecureAuthWithoutTLSOnLoopback = "insecure_auth_without_tls_on_loopback"
            case maxConnections = "max_connections"
            case maxConnectionsPerClient = "max_connections_per_client"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Relay()
            listen = try c.value(.listen, default: defaults.listen)
            allowNetworks = try c.value(.allowNetworks, default: defaults.allowNetworks)
            breaker = try c.value(.breaker, default: defaults.breaker)
            exposureHoldRecipients = try c.value(.exposureHoldRecipients, default: defaults.exposureHoldRecipients)
            bulkUndoFromRecipients = try c.value(.bulkUndoFromRecipients, default: defaults.bulkUndoFromRecipients)
            bulkUndoSeconds = try c.value(.bulkUndoSeconds, default: defaults.bulkUndoSeconds)
            maxMessageBytes = try c.value(.maxMessageBytes, default: defaults.maxMessageBytes)
            maxRecipients = try c.value(.maxRecipients, default: defaults.maxRecipients)
            insecureAuthWithoutTLSOnLoopback = try c.value(
                .insecureAuthWithoutTLSOnLoopback, default: defaults.insecureAuthWithoutTLSOnLoopback)
            maxConnections = try c.value(.maxConnections, default: defaults.maxConnections)
            maxConnectionsPerClient = try c.value(.maxConnectionsPerClient, default: defaults.maxConnectionsPerClient)
        }

        /// What the relay rules take.
        public func thresholds(campaign: GuardrailThresholds) -> RelayThresholds {
            RelayThresholds(
                exposureHoldRecipients: exposureHoldRecipients, bulkUndoFromRecipients: bulkUndoFromRecipients, campaign: campaign)
        }
    }
}
