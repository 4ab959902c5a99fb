public import BulkheadStore

extension BulkheadConfiguration {
    /// One auto-responder (`autoresponders:`): mail to ``address`` is answered once per sender per
    /// ``oncePerSenderDays`` (RFC 3834 rules, only mail written after the responder was enabled) and
    /// delivered on to ``forwardTo`` or kept in ``maildir``: never swallowed.
    ///
    /// ```yaml
    /// autoresponders:
    ///   - address: support@shop.example
    ///     subject: "We received your message"
    ///     text_file: replies/support.txt
    ///     once_per_sender_days: 7
    ///     forward_to: helpdesk@internal.example   # or maildir: mail/support
    /// ```
    public struct AutoResponder: Sendable, Hashable, Codable {
        /// The address that answers (mail to it reaches the inbound listener).
        public var address: String
        /// More addresses it answers for (a message must name one of them, or ``address``, in To or Cc).
        public var aliases: [String]
        /// The reply's subject; nil: `Auto: ` and the original subject.
        public var subject: String?
        /// The reply's text, a UTF-8 file (relative paths are relative to the data directory).
        public var textFile: String
        public var oncePerSenderDays: Int
        /// Where the mail goes on to, through the delivery machinery.
        public var forwardTo: String?
        /// A Maildir that keeps the mail instead (relative paths are relative to the data directory).
        public var maildir: String?

        public init(address: String, textFile: String, forwardTo: String? = nil, maildir: String? = nil) {
            self.address = address
            self.aliases = []
            self.subject = nil
            self.textFile = textFile
            self.oncePerSenderDays = 7
            self.forwardTo = forwardTo
            self.maildir = maildir
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case address, aliases, subject, maildir
            case textFile = "text_file"
            case oncePerSenderDays = "once_per_sender_days"
            case forwardTo = "forward_to"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            address = try c.decode(String.self, forKey: .address)
            aliases = try c.value(.aliases, default: [])
            subject = try c.decodeIfPresent(String.self, forKey: .subject)
            textFile = try c.decode(String.self, forKey: .textFile)
            oncePerSenderDays = try c.value(.oncePerSenderDays, default: 7)
            forwardTo = try c.decodeIfPresent(String.self, forKey: .forwardTo)
            maildir = try c.decodeIfPresent(String.self, forKey: .maildir)
        }
    }

    /// The global auto-reply breaker (`autoreply_breaker`): more than ``replies`` auto-replies within
    /// ``windowSeconds`` pause every responder and alert `alerts.email` (`replies: 0` turns it off).
    public struct AutoReplyBreaker: Sendable, Hashable, Codable {
        public var replies: Int
        public var windowSeconds: Int

        public init() {
            replies = 50
            windowSeconds = 600
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case replies
            case windowSeconds = "window_seconds"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = AutoReplyBreaker()
            replies = try c.value(.replies, default: defaults.replies)
            windowSeconds = try c.value(.windowSeconds, default: defaults.windowSeconds)
        }
    }

    /// What the store allows `responder`.
    public func autoReplyLimits(_ responder: AutoResponder) -> AutoReplyLimits {
        AutoReplyLimits(
            oncePerSender: .seconds(responder.oncePerSenderDays * 86_400), breakerReplies: autoreplyBreaker.replies,
            breakerWindow: .seconds(autoreplyBreaker.windowSeconds))
    }

    /// Checks the responders (called by `validate()`).
    func validateAutoResponders() throws(ConfigurationError) {
        func require(_ condition: Bool, _ path: String, _ reason: String) throws(ConfigurationError) {
            if !condition { throw .invalidValue(path, reason: reason) }
        }
        var seen = Set<String>()
        for (index, responder) in autoresponders.enumerated() {
            let path = "autoresponders[\(index)]"
            for (field, address) in [("address", responder.address)] + responder.aliases.map({ ("aliases", $0) }) {
                guard let normalized = try? NormalizedAddress(address) else {
                    throw .invalidValue("\(path).\(field)", reason: "\(address) is not an email address")
                }
                try require(seen.insert(normalized.value).inserted, "\(path).\(field)", "\(address) answers for two responders")
            }
            try require(!responder.textFile.isEmpty, "\(path).text_file", "must name the file with the reply's text")
            try require((0...365).contains(responder.oncePerSenderDays), "\(path).once_per_sender_days", "must be 0 to 365")
            try require(
                (responder.forwardTo == nil) != (responder.maildir == nil), "\(path).forward_to",
                "give forward_to or maildir (exactly one): the mail itself is never swallowed")
            if let forward = responder.forwardTo {
                try require((try? NormalizedAddress(forward)) != nil, "\(path).forward_to", "\(forward) is not an email address")
                try require(
                    (try? NormalizedAddress(forward))?.value != (try? NormalizedAddress(responder.address))?.value, "\(path).forward_to",
                    "must not be the responder's own address (a loop)")
            }
            if let subject = responder.subject {
                try require(
                    !subject.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(path).subject",
                    "must not hold control characters")
            }
        }
        try require((0...100_000).contains(autoreplyBreaker.replies), "autoreply_breaker.replies", "must be 0 (off) to 100000")
        try require(
            (1...604_800).contains(autoreplyBreaker.windowSeconds), "autoreply_breaker.window_seconds", "must be 1 to 604800 (a week)")
    }
}
