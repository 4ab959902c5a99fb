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

/// A story this version cannot replay yet: its row says so, `ran` is false, and it never counts as
/// passed. Story 000 (the helpdesk) waits for the auto-responder.
///
/// ```swift
/// let row = try await StoryNotBuilt(id: "000", title: "…").run(configuration)   // row.ran == false
/// ```
public struct StoryNotBuilt: DrillStory {
    public let id: String
    public let title: String

    public init(id: String, title: String) {
        self.id = id
        self.title = title
    }

    public func run(_ configuration: BulkheadConfiguration) async throws -> DrillResult {
        DrillResult(id: id, title: title, ran: false, guardrail: "not built in this version", messagesLeft: 0, peopleExposed: 0)
    }
}
