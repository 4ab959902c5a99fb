public import BulkheadStore

/// A held message released: the record as it is now, and how its copies are signed (split and Bcc
/// copies are re-signed with the key aligned with From; nil for a release as submitted).
public struct HeldMailReleased: Sendable {
    /// The message, now queued.
    public let record: RelayMessageRecord
    /// One sentence on the copies' DKIM signature (split and Bcc only).
    public let signing: String?
}

extension BulkheadEnvironment {
    /// Releases a held message as submitted or as individual copies, from the CLI (`hold release`),
    /// the dashboard and the API alike. A message whose header cannot be read stays held
    /// (``ActionRefused``: no copy of it can go out without the risk of showing a Bcc recipient);
    /// the store refuses (``StoreError/refused(_:)``) one that is not held, and throws
    /// ``StoreError/notFound(_:)`` for an unknown id. Who may release is the caller's check.
    ///
    /// ```swift
    /// let released = try await environment.releaseHeld(RelayMessageID(rawValue: 12), form: .split, actor: .human("bob"))
    /// print(released.signing ?? "as submitted")
    /// ```
    public func releaseHeld(_ id: RelayMessageID, form: RelayCopyForm, actor: AuditActor) async throws -> HeldMailReleased {
        // What the copies' signature will be, said before anything goes out; copies that cannot be
        // written are refused here, while the message is still held (each would fail at delivery).
        var signing: String?
        if let bytes = try await store.relayMessageBytes(id) {
            do {
                let alignment = try relayCopyWriter.alignment(of: bytes)
                if form != .original { signing = alignment.description }
            } catch {
                throw ActionRefused(
                    reason: "message \(id.rawValue) stays held: its header cannot be read (\(error)), so no copy of it can be sent "
                        + "without the risk of showing a blind (Bcc) recipient; discard it (bulkhead hold discard \(id.rawValue))")
            }
        }
        let record = try await store.decideRelayMessage(id, .release(form), actor: actor)
        return HeldMailReleased(record: record, signing: signing)
    }
}
