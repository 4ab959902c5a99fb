/// Findings gathered within bounds: the first `maxPerCode` findings of each code are kept, the rest
/// are counted and reported as one finding per code ("and N more"), with the most severe of the
/// omitted ones' severities, so a message with a million defects gives a short, complete report.
struct FindingCollector {
    private struct Omitted {
        var count: Int
        var severity: Finding.Severity
    }

    let maxPerCode: Int
    private var kept: [Finding] = []
    private var keptPerCode: [String: Int] = [:]
    private var omitted: [String: Omitted] = [:]
    private var omittedOrder: [String] = []

    init(maxPerCode: Int) {
        self.maxPerCode = maxPerCode
    }

    mutating func append(_ finding: Finding) {
        let count = keptPerCode[finding.code, default: 0]
        if count < maxPerCode {
            keptPerCode[finding.code] = count + 1
            kept.append(finding)
        } else {
            omit(code: finding.code, severity: finding.severity, count: 1)
        }
    }

    /// Counts `count` findings of `code` that are not kept (nothing when `count` is 0).
    mutating func omit(code: String, severity: Finding.Severity, count: Int) {
        guard count > 0 else { return }
        if var entry = omitted[code] {
            entry.count += count
            entry.severity = max(entry.severity, severity)
            omitted[code] = entry
        } else {
            omitted[code] = Omitted(count: count, severity: severity)
            omittedOrder.append(code)
        }
    }

    /// The kept findings, then one "and N more" finding per code with omissions, most severe first
    /// (stable within a severity).
    var findings: [Finding] {
        let summaries = omittedOrder.map { code in
            Finding(code: code, severity: omitted[code]!.severity, message: "and \(omitted[code]!.count) more")
        }
        return (kept + summaries).enumerated()
            .sorted { $0.element.severity != $1.element.severity ? $0.element.severity > $1.element.severity : $0.offset < $1.offset }
            .map(\.element)
    }
}
