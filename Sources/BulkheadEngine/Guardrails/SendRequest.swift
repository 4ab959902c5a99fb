public import BulkheadStore
public import Foundation

/// A send refused at the gate: the preflight's report says why (its findings and what the send still
/// needs). The CLI exits 3 with it, the dashboard and the API show it.
public struct SendRefused: Error, Sendable, CustomStringConvertible {
    /// The preflight that refused, when one ran (none for a refusal by the store: an emergency stop).
    public let report: PreflightReport?
    /// One sentence.
    public let reason: String

    public var description: String { reason }
}

/// What a send request did: the campaign queued, in its undo window (`pending`) or ready for its launch.
public struct SendRequested: Sendable {
    /// The preflight that let it go.
    public let report: PreflightReport
    /// Recipients queued now.
    public let queued: Int
    /// The end of the undo window, when the campaign waits in `pending`; nil when it goes at once.
    public let undoDeadline: Date?
}

extension BulkheadEnvironment {
    /// The gate every send passes, from the CLI, the dashboard and the API alike: the emergency stop,
    /// the preflight (``CampaignPreflight``; `confirmed` is the typed count), the queueing of the
    /// audience (never more than the preflight counted) and the undo window (`pending` from
    /// `guardrails.warn_recipients` up; the deadline is in the store, `serve` launches it when over).
    /// A campaign with no window stays where it is: launch it with ``launch(_:actor:details:)``.
    ///
    /// ```swift
    /// let requested = try await environment.requestSend(campaign, actor: .human("ann"), confirmed: 1234)
    /// if requested.undoDeadline == nil { _ = try await environment.launch(campaign.id, actor: .human("ann")) }
    /// ```
    public func requestSend(_ campaign: Campaign, actor: AuditActor, confirmed: Int?, force: Bool = false) async throws -> SendRequested {
        if let latch = try await store.latch(named: Latch.emergencyStop) {
            throw SendRefused(
                report: nil,
                reason:
                    "an emergency stop is in force since \(latch.setAt.formatted(.iso8601)) (\(latch.setBy): \(latch.reason)); nothing starts until `bulkhead stop --release`"
            )
        }
        let id = campaign.id
        let report = try await CampaignPreflight(environment: self).run(campaign, confirmed: confirmed)
        guard report.mayGo else {
            let codes = report.findings.filter { $0.severity >= .confirm }.map(\.code)
            throw SendRefused(
                report: report,
                reason: "campaign \(id.rawValue) not sent (\(codes.joined(separator: ", "))); it still needs: "
                    + report.requirements.unmet.joined(separator: "; "))
        }
        let queued: Int
        do {
            // Never more than the preflight counted (and the typed count confirmed): counts only fall.
            queued = try await store.enqueueRecipients(campaign: id, atMost: report.audience.eligible)
        } catch StoreError.refused(let why) {
            throw SendRefused(report: report, reason: "campaign \(id.rawValue) not sent: \(why)")
        }
        var details: [String: JSONValue] = [
            "queued_now": .number(Double(queued)),
            "eligible": .number(Double(report.audience.eligible)),
            "transport": .string(report.transport.rawValue),
            "findings": .array(report.findings.map { .string("\($0.severity.rawValue) \($0.code)") }),
        ]
        if let confirmed { details["confirmed"] = .number(Double(confirmed)) }
        if force { details["warnings_acknowledged"] = true }
        let guardrails = configuration.guardrails
        if guardrails.undoSeconds > 0 && report.audience.eligible >= guardrails.warnRecipients {
            let deadline = clock.date.addingTimeInterval(TimeInterval(guardrails.undoSeconds))
            details["reason"] = "send requested"
            _ = try await store.transition(id, from: [campaign.state], to: .pending, actor: actor, details: details, deadline: deadline)
            return SendRequested(report: report, queued: queued, undoDeadline: deadline)
        }
        _ = try await store.appendAudit(
            NewAuditEvent(actor: actor, action: "campaign.send", subjectKind: "campaign", subjectID: "\(id.rawValue)", details: details))
        return SendRequested(report: report, queued: queued, undoDeadline: nil)
    }
}
