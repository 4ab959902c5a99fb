import BulkheadEngine

/// The drill's report as a table: one row per accident (its number, messages that left, people
/// exposed, what happened) and what stopped it below, then the notes and a verdict.
///
/// ```swift
/// print(DrillTable.render(report))
/// // story  messages left  people exposed  accident
/// // 002                0               0  a newsletter with 60 customers in To, through the relay
/// //                                         stopped by: relay held it (relay.exposure)
/// ```
enum DrillTable {
    static func render(_ report: DrillReport) -> String {
        var lines = ["story  messages left  people exposed  accident"]
        let indent = String(repeating: " ", count: 39)
        for story in report.stories {
            let left = DrillReport.grouped(story.messagesLeft)
            let exposed = DrillReport.grouped(story.peopleExposed)
            lines.append(story.id.padding(5) + "  " + left.leftPadded(13) + "  " + exposed.leftPadded(14) + "  " + story.title)
            lines.append(indent + (story.guardrail == "none" ? "stopped by: nothing" : "stopped by: \(story.guardrail)"))
        }
        let notes = report.stories.compactMap { story in story.scaledNote.map { "\(story.id): \($0)" } }
        if !notes.isEmpty { lines += [""] + notes.map { "note " + $0 } }
        lines.append("")
        if report.harmful {
            lines.append(
                "HARM got through: \(DrillReport.grouped(report.messagesLeft)) message(s) left, \(DrillReport.grouped(report.peopleExposed)) people exposed (\(report.stories.filter(\.isHarmful).map(\.id).joined(separator: ", ")))"
            )
        } else {
            lines.append("no harm got through in the \(report.stories.count) stories")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
