/// An action the record's state does not allow (cancel after messages went out, a campaign that
/// changed meanwhile, held mail whose header cannot be rewritten): one sentence for a person, naming
/// what to do instead. The CLI exits 1 with it, the API answers 409.
///
/// ```swift
/// do { _ = try await store.cancelCampaign(id, actor: who, reason: nil) } catch let refused as ActionRefused { print(refused) }
/// ```
public struct ActionRefused: Error, Sendable, CustomStringConvertible {
    /// One sentence.
    public let reason: String

    public var description: String { reason }
}
