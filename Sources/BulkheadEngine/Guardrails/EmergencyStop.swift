public import BulkheadStore

/// What an emergency stop did: the campaigns it paused and the latch now in force.
public struct EmergencyStopped: Sendable {
    /// The campaigns paused (pending, in their canary or hold, or sending).
    public let paused: [CampaignID]
    /// The latch (when, by whom, why); nil only if it was released in between.
    public let latch: Latch?
}

extension BulkheadEnvironment {
    /// The emergency stop, from the CLI (`stop --all`), the dashboard and the API alike: pauses
    /// everything under way (reason `stop-all`), latches (nothing starts until released) and alerts
    /// `alerts.email`. Needs no role: stopping never waits.
    ///
    /// ```swift
    /// let stopped = try await environment.stopAll(reason: "wrong list", actor: .human("ann"))
    /// print(stopped.paused)   // [CampaignID(7)]
    /// ```
    public func stopAll(reason: String, actor: AuditActor) async throws -> EmergencyStopped {
        let paused = try await store.emergencyStop(reason: reason, actor: actor)
        let latch = try await store.latch(named: Latch.emergencyStop)
        let list = paused.isEmpty ? "none was under way" : paused.map { "\($0.rawValue)" }.joined(separator: ", ")
        await alerts?.send(
            subject: "emergency stop by \(actor.displayName)",
            text:
                "\(actor.displayName) stopped everything (\(latch?.reason ?? reason)); campaigns paused: \(list). Nothing starts until `bulkhead stop --release`."
        )
        return EmergencyStopped(paused: paused, latch: latch)
    }
}
