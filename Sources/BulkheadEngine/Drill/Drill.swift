/// `bulkhead drill`: replays the accidents of `../shared/stories/` against a configuration, each in
/// its own throwaway sandbox (temporary store, capture mailbox, manual clock; the real store is
/// never opened and nothing leaves the machine), the policy judged as if mail went to a real
/// upstream, and reports for each the guardrail that stopped it and the harm that got through.
///
/// ```swift
/// let report = try await Drill(configuration: try BulkheadConfiguration.load(path: nil)).run()
/// for story in report.stories { print(story.id, story.guardrail, story.messagesLeft, story.peopleExposed) }
/// exit(report.harmful ? 1 : 0)
/// ```
public struct Drill: Sendable {
    /// The user's configuration (only its data directory, store and upstreams are replaced in each sandbox).
    public var configuration: BulkheadConfiguration
    /// The stories, in order.
    public var stories: [any DrillStory]

    /// The five stories.
    public static let standardStories: [any DrillStory] = [
        HelpdeskBacklogStory(),
        MistakenCampaignStory(),
        ExposedNewsletterStory(),
        TestToHugeListStory(),
        NonCompliantCampaignStory(),
    ]

    public init(configuration: BulkheadConfiguration, stories: [any DrillStory] = Drill.standardStories) {
        self.configuration = configuration
        self.stories = stories
    }

    /// Runs every story, one after another; `started` is called before each.
    public func run(started: (any DrillStory) -> Void = { _ in }) async throws -> DrillReport {
        var results: [DrillResult] = []
        for story in stories {
            started(story)
            results.append(try await story.run(configuration))
        }
        return DrillReport(stories: results)
    }
}
