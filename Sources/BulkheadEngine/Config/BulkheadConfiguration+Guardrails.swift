public import BulkheadPolicy

extension BulkheadConfiguration {
    /// The guardrails every campaign passes (`guardrails:`). Each threshold counts "from N up" (≥ N).
    ///
    /// ```yaml
    /// guardrails:
    ///   confirm_recipients: 1000
    ///   undo_seconds: 300
    ///   canary: {percent: 1, min: 100, max: 1000, hold_seconds: 600}
    /// ```
    public struct Guardrails: Sendable, Hashable, Codable {
        /// A warning from this many recipients; the undo window applies from here up.
        public var warnRecipients: Int
        /// A second person's approval from this many recipients.
        public var approvalRecipients: Int
        /// The exact count typed (`send --confirm N`) from this many recipients.
        public var confirmRecipients: Int
        /// Mail that looks like a test is refused from this many recipients.
        public var testMailErrorRecipients: Int
        /// At most this many addresses in one `campaign test --to`.
        public var testSendMaxAddresses: Int
        /// The undo window after `send` (0: none).
        public var undoSeconds: Int
        /// The first wave.
        public var canary: Canary
        /// When a campaign stops itself.
        public var brakes: Brakes
        /// A scheduled campaign found this late is paused (reason `overdue`) instead of started.
        public var overdueScheduleSeconds: Int
        /// What sensitive content needs.
        public var dlp: DLPMode

        public init() {
            warnRecipients = 25
            approvalRecipients = 500
            confirmRecipients = 1_000
            testMailErrorRecipients = 10
            testSendMaxAddresses = 25
            undoSeconds = 300
            canary = Canary()
            brakes = Brakes()
            overdueScheduleSeconds = 3_600
            dlp = .approval
        }

        /// The thresholds the campaign rules judge a send by.
        public var thresholds: GuardrailThresholds {
            GuardrailThresholds(
                warnFrom: warnRecipients, approvalFrom: approvalRecipients, confirmFrom: confirmRecipients,
                testMailFrom: testMailErrorRecipients, dlp: dlp)
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case warnRecipients = "warn_recipients"
            case approvalRecipients = "approval_recipients"
            case confirmRecipients = "confirm_recipients"
            case testMailErrorRecipients = "test_mail_error_recipients"
            case testSendMaxAddresses = "test_send_max_addresses"
            case undoSeconds = "undo_seconds"
            case canary, brakes
            case overdueScheduleSeconds = "overdue_schedule_seconds"
            case dlp
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Guardrails()
            warnRecipients = try c.value(.warnRecipients, default: defaults.warnRecipients)
            approvalRecipients = try c.value(.approvalRecipients, default: defaults.approvalRecipients)
            confirmRecipients = try c.value(.confirmRecipients, default: defaults.confirmRecipients)
            testMailErrorRecipients = try c.value(.testMailErrorRecipients, default: defaults.testMailErrorRecipients)
            testSendMaxAddresses = try c.value(.testSendMaxAddresses, default: defaults.testSendMaxAddresses)
            undoSeconds = try c.value(.undoSeconds, default: defaults.undoSeconds)
            canary = try c.value(.canary, default: defaults.canary)
            brakes = try c.value(.brakes, default: defaults.brakes)
            overdueScheduleSeconds = try c.value(.overdueScheduleSeconds, default: defaults.overdueScheduleSeconds)
            dlp = try c.value(.dlp, default: defaults.dlp)
        }

        /// The first wave: the list's seed addresses and a random sample of the audience, then a hold.
        public struct Canary: Sendable, Hashable, Codable {
            /// The sample's share of the audience (0 turns the canary off).
            public var percent: Double
            /// The sample's least size; audiences smaller than twice this skip the canary.
            public var min: Int
            /// The sample's largest size.
            public var max: Int
            /// How long the brakes judge the first wave before the rest goes.
            public var holdSeconds: Int

            public init() {
                percent = 1
                min = 100
                max = 1_000
                holdSeconds = 600
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case percent, min, max
                case holdSeconds = "hold_seconds"
            }

            public init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(CodingKeys.self)
                let c = try decoder.container(keyedBy: CodingKeys.self)
                let defaults = Canary()
                percent = try c.value(.percent, default: defaults.percent)
                min = try c.value(.min, default: defaults.min)
                max = try c.value(.max, default: defaults.max)
                holdSeconds = try c.value(.holdSeconds, default: defaults.holdSeconds)
            }
        }

        /// When a campaign pauses itself: over its most recent `window` outcomes, once at least
        /// `min_sample` exist and a metric has at least `min_events` events and reaches its rate.
        public struct Brakes: Sendable, Hashable, Codable {
            public var window: Int
            public var minSample: Int
            public var minEvents: Int
            public var hardBouncePercent: Double
            public var complaintPercent: Double
            public var unsubscribePercent: Double
            public var rejectionPercent: Double

            public init() {
                window = 500
                minSample = 100
                minEvents = 3
                hardBouncePercent = 5
                complaintPercent = 0.1
                unsubscribePercent = 2
                rejectionPercent = 20
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case window
                case minSample = "min_sample"
                case minEvents = "min_events"
                case hardBouncePercent = "hard_bounce_percent"
                case complaintPercent = "complaint_percent"
                case unsubscribePercent = "unsubscribe_percent"
                case rejectionPercent = "rejection_percent"
            }

            public init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(CodingKeys.self)
                let c = try decoder.container(keyedBy: CodingKeys.self)
                let defaults = Brakes()
                window = try c.value(.window, default: defaults.window)
                minSample = try c.value(.minSample, default: defaults.minSample)
                minEvents = try c.value(.minEvents, default: defaults.minEvents)
                hardBouncePercent = try c.value(.hardBouncePercent, default: defaults.hardBouncePercent)
                complaintPercent = try c.value(.complaintPercent, default: defaults.complaintPercent)
                unsubscribePercent = try c.value(.unsubscribePercent, default: defaults.unsubscribePercent)
                rejectionPercent = try c.value(.rejectionPercent, default: defaults.rejectionPercent)
            }
        }

        /// Checks every guardrail value's range.
        func validate() throws(ConfigurationError) {
            func require(_ condition: Bool, _ key: String, _ reason: String) throws(ConfigurationError) {
                if !condition { throw .invalidValue("guardrails.\(key)", reason: reason) }
            }
            for (key, value) in [
                ("warn_recipients", warnRecipients), ("approval_recipients", approvalRecipients),
                ("confirm_recipients", confirmRecipients), ("test_mail_error_recipients", testMailErrorRecipients),
            ] {
                try require(value >= 1, key, "must be at least 1 (a threshold counts from N up)")
            }
            try require((1...1_000).contains(testSendMaxAddresses), "test_send_max_addresses", "must be 1 to 1000")
            try require((0...86_400).contains(undoSeconds), "undo_seconds", "must be 0 to 86400")
            try require((0...100).contains(canary.percent), "canary.percent", "must be 0 to 100")
            try require(canary.min >= 1 && canary.max >= canary.min, "canary.min", "must be at least 1 and ≤ canary.max")
            try require((0...86_400).contains(canary.holdSeconds), "canary.hold_seconds", "must be 0 to 86400")
            try require(brakes.window >= 1 && (1...brakes.window).contains(brakes.minSample), "brakes.min_sample", "must be 1 to brakes.window")
            try require(brakes.minEvents >= 1, "brakes.min_events", "must be at least 1")
            for (key, value) in [
                ("hard_bounce_percent", brakes.hardBouncePercent), ("complaint_percent", brakes.complaintPercent),
                ("unsubscribe_percent", brakes.unsubscribePercent), ("rejection_percent", brakes.rejectionPercent),
            ] {
                try require(value > 0 && value <= 100, "brakes.\(key)", "must be more than 0 and at most 100")
            }
            try require(overdueScheduleSeconds >= 1, "overdue_schedule_seconds", "must be at least 1")
        }
    }

    /// Where alerts go (brakes, circuit breakers, emergency stops); they are always logged too.
    public struct Alerts: Sendable, Hashable, Codable {
        /// An address that gets each alert by mail (empty: log only).
        public var email: String

        public init() {
            email = ""
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case email }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            email = try c.value(.email, default: Alerts().email)
        }
    }
}
