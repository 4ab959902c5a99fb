public import Foundation

/// A store-wide switch that holds until a person releases it: the emergency stop (`bulkhead stop
/// --all` sets ``Latch/emergencyStop``; `bulkhead stop --release` releases it). While it is set no
/// campaign starts or resumes, and the relay and hosted lists hold everything.
///
/// ```swift
/// let paused = try await store.emergencyStop(reason: "wrong list", actor: .human("ann"))
/// try await store.latch(named: Latch.emergencyStop) // Latch(name: "stop-all", …)
/// try await store.releaseLatch(named: Latch.emergencyStop, actor: .human("ann"))
/// ```
public struct Latch: Sendable, Hashable, Codable {
    /// The emergency stop's name.
    public static let emergencyStop = "stop-all"
    /// The auto-reply breaker's name: set when auto-replies exceeded their limit, every responder is
    /// paused until `bulkhead autoreply resume` releases it.
    public static let autoReplyBreaker = "autoreply-breaker"

    /// Which latch.
    public var name: String
    /// When it was set.
    public var setAt: Date
    /// Who set it.
    public var setBy: String
    /// Why.
    public var reason: String

    /// Describes a set latch.
    public init(name: String, setAt: Date, setBy: String, reason: String) {
        self.name = name
        self.setAt = setAt
        self.setBy = setBy
        self.reason = reason
    }
}
