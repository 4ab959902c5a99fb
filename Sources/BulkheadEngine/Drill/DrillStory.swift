/// One accident of `../shared/stories/`, replayed against the user's configuration. Each story
/// builds its own throwaway world (``DrillSandbox/with(_:_:)``: a temporary store, a capture
/// mailbox, a manual clock) and measures what got through in it.
///
/// ```swift
/// struct HelpdeskStory: DrillStory {
///     let id = "000"
///     let title = "a helpdesk answers a 7,000-message mailbox and its Cc's"
///     func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult {
///         try await DrillSandbox.with(configuration) { sandbox in … }
///     }
/// }
/// ```
public protocol DrillStory: Sendable {
    /// The story's number ("001").
    var id: String { get }
    /// One line: what went wrong.
    var title: String { get }
    /// Replays the accident under `configuration` (the user's) and measures what got through.
    func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult
}
