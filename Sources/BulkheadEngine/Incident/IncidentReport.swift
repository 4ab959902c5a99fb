public import BulkheadPolicy
public import BulkheadStore
public import Foundation

/// Everything `bulkhead incident report` says about one campaign that went wrong — what was sent, to
/// whom, when, and what was done about it (seed story 001) — as plain values. Built by
/// ``IncidentReportBuilder``; rendered by ``IncidentMarkdown``, ``IncidentHTML`` and ``json()``.
///
/// The JSON form is stable: snake_case keys, sorted, times in ISO 8601 UTC, optional values left out
/// when absent, `format_version` 1 (a key is never renamed or removed without a new version). Top level: `format_version`, `generated_at`, `campaign`, `what`, `to_whom`,
/// `when`, `actions`, `follow_ups`, `summary`. See each type's `CodingKeys` for its keys.
///
/// ```swift
/// let report = try await IncidentReportBuilder(environment: environment).report(for: id)
/// print(IncidentMarkdown.render(report))
/// ```
public struct IncidentReport: Sendable, Hashable, Codable {
    /// The version of this layout (1).
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// When the report was made (the environment's clock).
    public var generatedAt: Date
    public var campaign: CampaignFacts
    public var what: What
    public var toWhom: ToWhom
    public var when: When
    /// The campaign's audit log, oldest first.
    public var actions: [Action]
    /// Follow-ups sent about this campaign (`incident follow-up`).
    public var followUps: [FollowUp]
    /// A few sentences for a manager or a data protection officer.
    public var summary: [String]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case generatedAt = "generated_at"
        case campaign, what
        case toWhom = "to_whom"
        case when, actions
        case followUps = "follow_ups"
        case summary
    }

    /// The campaign itself.
    public struct CampaignFacts: Sendable, Hashable, Codable {
        public var id: Int64
        public var name: String
        public var state: String
        /// `commercial` or `transactional`.
        public var kind: String
        /// The list's name (its key when the list is gone).
        public var list: String
        public var createdBy: String
        /// The campaign this one follows up, if it is a follow-up.
        public var followUpOf: Int64?

        enum CodingKeys: String, CodingKey {
            case id, name, state, kind, list
            case createdBy = "created_by"
            case followUpOf = "follow_up_of"
        }
    }

    /// What was sent.
    public struct What: Sendable, Hashable, Codable {
        /// The subject template as written.
        public var subject: String
        public var from: String
        /// The content fingerprint approvals bind to (``CampaignFingerprint``), or why it cannot be computed.
        public var contentSHA256: String
        public var attachments: [AttachmentFacts]
        /// The message as one real recipient got it (the first delivered one), unsubscribe token masked.
        public var sample: Sample?
        /// Why there is no sample (nobody was sent anything, or it cannot be built any more).
        public var sampleUnavailable: String?
        /// The preflight's findings, computed now on the sample (message rules and campaign rules).
        public var findings: [Finding]
        /// `campaign.approve` events (and any other whose action mentions an approval).
        public var approvals: [Action]
        /// `campaign.override` events (and `--force` sends).
        public var overrides: [Action]
        /// The template fields each message was personalised with (`name`, `email`, `attributes.city`…).
        public var personalFields: [String]

        enum CodingKeys: String, CodingKey {
            case subject, from
            case contentSHA256 = "content_sha256"
            case attachments, sample
            case sampleUnavailable = "sample_unavailable"
            case findings, approvals, overrides
            case personalFields = "personal_fields"
        }
    }

    /// One attachment: name, media type, size and SHA-256 (recorded when the campaign was created).
    public struct AttachmentFacts: Sendable, Hashable, Codable {
        public var name: String
        public var path: String
        public var mediaType: String
        /// The file's size now, when it still holds the recorded content (nil otherwise).
        public var size: Int?
        public var sha256: String?
        /// Why the size is missing (the file changed or is gone).
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case name, path
            case mediaType = "media_type"
            case size, sha256, note
        }
    }

    /// One recipient's copy.
    public struct Sample: Sendable, Hashable, Codable {
        /// The recipient's address.
        public var recipient: String
        /// Their ledger outcome.
        public var outcome: IncidentOutcome
        public var to: String
        public var subject: String
        public var text: String?
        public var html: String?
    }

    /// To whom: counts by outcome (see ``IncidentOutcome``).
    public struct ToWhom: Sendable, Hashable, Codable {
        /// Ledger entries (people the campaign was queued for).
        public var recipients: Int
        public var delivered: Int
        public var uncertain: Int
        /// Queued or deferred, never sent (stopped, cancelled, or not yet sent).
        public var notSent: Int
        /// Opted out before their message was due: not sent.
        public var suppressed: Int
        /// Always 0 until bounces are recorded in the ledger (inbound issue).
        public var bounced: Int
        public var failed: Int
        /// Members of the list without a ledger entry (not confirmed, suppressed, outside the segment,
        /// or joined later), by membership status now; nil for a follow-up (its audience is not the list).
        public var excluded: Int?
        public var excludedByStatus: [String: Int]?
        /// Of the excluded confirmed members, those suppressed.
        public var excludedSuppressed: Int?
        /// Of those who received it or may have: opted out since (a follow-up skips them).
        public var optedOutSince: Int
        /// Of those who received it or may have: already reached by a follow-up.
        public var alreadyFollowedUp: Int
        /// Whom a new `incident follow-up` would reach now.
        public var followUpWouldReach: Int

        enum CodingKeys: String, CodingKey {
            case recipients, delivered, uncertain
            case notSent = "not_sent"
            case suppressed, bounced, failed, excluded
            case excludedByStatus = "excluded_by_status"
            case excludedSuppressed = "excluded_suppressed"
            case optedOutSince = "opted_out_since"
            case alreadyFollowedUp = "already_followed_up"
            case followUpWouldReach = "follow_up_would_reach"
        }

        /// Everyone the campaign was queued for who got nothing: not sent, suppressed or failed.
        public var didNotReceive: Int { notSent + suppressed + failed + bounced }
    }

    /// When.
    public struct When: Sendable, Hashable, Codable {
        public var created: Date
        /// The first approval.
        public var approved: Date?
        /// The first move to `pending`, `canary` or `sending`.
        public var sendRequested: Date?
        /// The end of the undo window, when there was one.
        public var windowEnd: Date?
        /// The first move to `canary`.
        public var canary: Date?
        public var firstDelivery: Date?
        public var lastDelivery: Date?
        /// Every pause, abort, cancel, brake and stop, in order.
        public var stops: [Moment]
        /// Outcomes per minute.
        public var perMinute: [LedgerMinute]

        enum CodingKeys: String, CodingKey {
            case created, approved
            case sendRequested = "send_requested"
            case windowEnd = "window_end"
            case canary
            case firstDelivery = "first_delivery"
            case lastDelivery = "last_delivery"
            case stops
            case perMinute = "per_minute"
        }
    }

    /// A moment of the timeline.
    public struct Moment: Sendable, Hashable, Codable {
        public var at: Date
        public var actor: String
        /// `paused (operator)`, `aborted`, `delivery stopped: 3 completed after the stop`…
        public var what: String
    }

    /// One audit event.
    public struct Action: Sendable, Hashable, Codable {
        public var id: Int64
        public var at: Date
        public var actor: String
        /// `human` or `system`.
        public var actorKind: String
        public var action: String
        public var details: [String: JSONValue]

        enum CodingKeys: String, CodingKey {
            case id, at, actor
            case actorKind = "actor_kind"
            case action, details
        }
    }

    /// A follow-up campaign and its ledger.
    public struct FollowUp: Sendable, Hashable, Codable {
        public var id: Int64
        public var name: String
        public var state: String
        public var delivered: Int
        public var uncertain: Int
        public var notSent: Int
        public var suppressed: Int
        public var failed: Int

        enum CodingKeys: String, CodingKey {
            case id, name, state, delivered, uncertain
            case notSent = "not_sent"
            case suppressed, failed
        }
    }

    /// The JSON form: pretty-printed, sorted keys, ISO 8601 times.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
