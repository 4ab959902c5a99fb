import Foundation

/// What one accident did when `bulkhead drill` replayed it: the guardrail that stopped it and the
/// harm that got through, measured in the story's capture mailbox.
///
/// ```swift
/// let result = try await MistakenCampaignStory().run(in: sandbox)
/// result.guardrail       // "undo window (300 s): cancelled at t+120 s, nothing sent"
/// result.messagesLeft    // 0
/// result.isHarmful       // false
/// ```
public struct DrillResult: Sendable, Hashable, Codable {
    /// The story's number, as in `../shared/stories/` ("001").
    public var id: String
    /// One line: what went wrong in the story.
    public var title: String
    /// What stopped the accident, or "none".
    public var guardrail: String
    /// Harmful messages that reached the capture mailbox (scaled up to the story's audience when
    /// ``scaledNote`` says so): the copies an upstream would have delivered.
    public var messagesLeft: Int
    /// Distinct people whose address a delivered copy showed to someone else.
    public var peopleExposed: Int
    /// How the story was scaled down and why its figures are still exact, if it was.
    public var scaledNote: String?

    public init(
        id: String, title: String, guardrail: String, messagesLeft: Int, peopleExposed: Int, scaledNote: String? = nil
    ) {
        self.id = id
        self.title = title
        self.guardrail = guardrail
        self.messagesLeft = messagesLeft
        self.peopleExposed = peopleExposed
        self.scaledNote = scaledNote
    }

    /// True when a message left or a person was exposed.
    public var isHarmful: Bool { messagesLeft > 0 || peopleExposed > 0 }
}

/// Every story's result and the totals: what `bulkhead drill --json` prints.
///
/// ```swift
/// let report = try await Drill(configuration: config).run()
/// if report.harmful { print("\(report.messagesLeft) messages would have left") }
/// ```
public struct DrillReport: Sendable, Hashable, Codable {
    /// One result per story, in story order.
    public var stories: [DrillResult]
    /// The sum of every story's ``DrillResult/messagesLeft``.
    public var messagesLeft: Int
    /// The sum of every story's ``DrillResult/peopleExposed``.
    public var peopleExposed: Int
    /// True when any story let harm through.
    public var harmful: Bool

    public init(stories: [DrillResult]) {
        self.stories = stories
        messagesLeft = stories.reduce(0) { $0 + $1.messagesLeft }
        peopleExposed = stories.reduce(0) { $0 + $1.peopleExposed }
        harmful = stories.contains(where: \.isHarmful)
    }

    /// `number` with thousands separators, as the drill writes its figures: `840000` is `840,000`.
    public static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = number < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }
}

extension Sequence where Element == String {
    /// The codes once each, in their first order, comma-separated: how a guardrail's findings are named.
    func uniquedList() -> String {
        var seen = Set<String>()
        return filter { seen.insert($0).inserted }.joined(separator: ", ")
    }
}
