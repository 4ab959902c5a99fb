import ArgumentParser
import BulkheadEngine
import BulkheadPolicy
import BulkheadStore
import Foundation

/// `bulkhead campaign preflight ID`: what `send` would find and still need, without changing anything.
struct CampaignPreflightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Check a campaign against every guardrail and say what `send` would still need; changes nothing.",
        discussion: """
            Prints who would receive it and who is left out (and why), every finding (error, approval, confirm,
            warning, info) with where it was found and the fix, and what `send` still needs. Exit 0 only when
            `send` would go ahead; 3 when it would refuse (an error, a missing approval or a missing confirmation:
            pass the --confirm N you would give to send).

            Examples:
              bulkhead campaign preflight 1
              bulkhead campaign preflight 1 --confirm 1234 --json
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "The count you would type with send --confirm.") var confirm: Int?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report = try await config.withEnvironment { environment in
            let campaign = try await environment.store.existingCampaign(campaign.campaignID)
            return try await CampaignPreflight(environment: environment).run(
                campaign, confirmed: confirm)
        }
        if json {
            print(CLIJSON.encode(PreflightJSON(report)))
        } else {
            print(PreflightView.text(report), terminator: "")
        }
        if !report.mayGo { throw ExitCode(3) }
    }
}

/// The JSON form of a preflight: the report and the one answer scripts look for.
struct PreflightJSON: Encodable {
    let report: PreflightReport
    init(_ report: PreflightReport) { self.report = report }

    enum CodingKeys: String, CodingKey { case campaign, state, transport, audience, findings, missingFields, unbuildable, requirements, maySend }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.campaign, forKey: .campaign)
        try c.encode(report.state, forKey: .state)
        try c.encode(report.transport, forKey: .transport)
        try c.encode(report.audience, forKey: .audience)
        try c.encode(report.findings, forKey: .findings)
        try c.encode(report.missingFields, forKey: .missingFields)
        try c.encode(report.unbuildable, forKey: .unbuildable)
        try c.encode(report.requirements, forKey: .requirements)
        try c.encode(report.mayGo, forKey: .maySend)
    }
}

/// The text form of a preflight report.
enum PreflightView {
    static func text(_ report: PreflightReport) -> String {
        let destination = report.transport == .capture ? "the capture mailbox (nothing leaves this machine)" : "the configured upstreams"
        var out = "campaign \(report.campaign) (\(report.state.rawValue)) to \(destination)\n"
        let excluded = AudienceCounts.Exclusion.allCases.compactMap { reason in report.audience.excluded[reason].map { "\($0) \(reason.rawValue)" } }
        out += "audience: \(report.audience.eligible) eligible"
        out += excluded.isEmpty ? "; nobody left out\n" : "; left out: \(excluded.joined(separator: ", "))\n"
        if report.findings.isEmpty {
            out += "findings: none\n"
        } else {
            out += "findings:\n"
            for finding in report.findings {
                out += "  \(finding.severity.rawValue) \(finding.code): \(finding.message)\n"
                if let location = finding.location { out += "    at: \(location)\n" }
                if let fix = finding.fix { out += "    fix: \(fix)\n" }
            }
        }
        for (field, tally) in report.missingFields.sorted(by: { $0.key < $1.key }) {
            out += "no {{\(field)}} for \(tally.count): \(tally.examples.joined(separator: ", "))\(tally.count > tally.examples.count ? ", …" : "")\n"
        }
        if report.unbuildable.count > 0 {
            out +=
                "cannot be built, left out (\(report.unbuildable.count)): \(report.unbuildable.examples.joined(separator: ", "))\(report.unbuildable.count > report.unbuildable.examples.count ? ", …" : "")\n"
        }
        let unmet = report.requirements.unmet
        if unmet.isEmpty {
            out += "send would go ahead\n"
        } else {
            out += "send would refuse; it still needs:\n" + unmet.map { "  - \($0)\n" }.joined()
        }
        return out
    }
}
