/// The kind of feedback in an ARF report (RFC 5965 §7.3 registry, with RFC 6591 `auth-failure`
/// and RFC 6650's `not-spam`).
public enum FeedbackType: Sendable, Hashable {
    /// Unsolicited or otherwise abusive mail (a "this is spam" complaint).
    case abuse
    /// Fraudulent mail, phishing.
    case fraud
    /// Mail carrying a virus.
    case virus
    /// Any other feedback.
    case other
    /// The recipient says the message is not spam.
    case notSpam
    /// An authentication failure report (RFC 6591).
    case authFailure
    /// A type outside the registry, lowercased; RFC 5965 §7.3 says to treat it like ``other``.
    case unregistered(String)

    /// Reads a `Feedback-Type` value, case-insensitively.
    public init(fieldValue: String) {
        let word = fieldValue.dsnTrimmingWhitespace().dsnLowercasedASCII()
        switch word {
        case "abuse": self = .abuse
        case "fraud": self = .fraud
        case "virus": self = .virus
        case "other": self = .other
        case "not-spam": self = .notSpam
        case "auth-failure": self = .authFailure
        default: self = .unregistered(word)
        }
    }

    /// The value as written in a report: `abuse`, `not-spam`...
    public var fieldValue: String {
        switch self {
        case .abuse: "abuse"
        case .fraud: "fraud"
        case .virus: "virus"
        case .other: "other"
        case .notSpam: "not-spam"
        case .authFailure: "auth-failure"
        case .unregistered(let word): word
        }
    }

    /// True for the types a bulk sender must treat as a complaint and stop mailing the
    /// recipient: abuse, fraud and virus reports.
    public var isComplaint: Bool {
        switch self {
        case .abuse, .fraud, .virus: true
        case .other, .notSpam, .authFailure, .unregistered: false
        }
    }
}

/// An Abuse Reporting Format feedback report (RFC 5965): a mailbox provider telling the sender that
/// a recipient complained about a message.
///
/// ```swift
/// let complaint = try FeedbackReport.parse(try MIMEParser().parse(bytes))
/// if complaint.feedbackType.isComplaint {
///     unsubscribe(complaint.originalRcptTo, messageID: complaint.originalHeaders["Message-ID"])
/// }
/// ```
public struct FeedbackReport: Sendable {
    /// `Feedback-Type`.
    public var feedbackType: FeedbackType
    /// `User-Agent`: the software that made the report.
    public var userAgent: String
    /// `Version` (1 for RFC 5965).
    public var version: Int
    /// `Original-Mail-From`: the envelope sender of the reported message, angle brackets removed
    /// (empty for the null sender).
    public var originalMailFrom: String?
    /// `Original-Rcpt-To` (each, angle brackets removed): the envelope recipients, when disclosed.
    public var originalRcptTo: [String]
    /// `Original-Envelope-Id`.
    public var originalEnvelopeID: String?
    /// `Arrival-Date`, as written (an RFC 5322 date-time).
    public var arrivalDate: String?
    /// `Reporting-MTA`.
    public var reportingMTA: DSNTypedValue?
    /// `Source-IP`: the address the reported message came from, as written.
    public var sourceIP: String?
    /// `Incidents`: how many such messages this report stands for (1 when absent).
    public var incidents: Int
    /// `Reported-Domain` values.
    public var reportedDomains: [String]
    /// `Reported-URI` values.
    public var reportedURIs: [String]
    /// `Authentication-Results` values.
    public var authenticationResults: [String]
    /// Every field of the `message/feedback-report` part in order, extension fields included.
    public var fields: HeaderList
    /// The header section of the reported message.
    public var originalHeaders: HeaderList
    /// The reported message itself when the report carries it whole (`message/rfc822`); nil when
    /// only its headers were returned (`text/rfc822-headers`).
    public var originalMessage: MIMEEntity?

    /// Interprets the fields of a `message/feedback-report` part.
    public init(
        fields: HeaderList, originalHeaders: HeaderList, originalMessage: MIMEEntity? = nil
    ) throws(FeedbackReportParseError) {
        let typeText = try FeedbackReport.required("Feedback-Type", in: fields)
        let agent = try FeedbackReport.required("User-Agent", in: fields)
        let versionText = try FeedbackReport.required("Version", in: fields)
        guard let version = FeedbackReport.positiveInteger(versionText) else {
            throw .malformedNumber(name: "Version", value: versionText)
        }
        self.feedbackType = FeedbackType(fieldValue: typeText)
        self.userAgent = agent
        self.version = version
        self.originalMailFrom = try FeedbackReport.single("Original-Mail-From", in: fields).map(FeedbackReport.path)
        self.originalRcptTo = fields.values(for: "Original-Rcpt-To").map(FeedbackReport.path)
        self.originalEnvelopeID = try FeedbackReport.single("Original-Envelope-Id", in: fields)
        self.arrivalDate = try FeedbackReport.single("Arrival-Date", in: fields)
        if let mta = try FeedbackReport.single("Reporting-MTA", in: fields) {
            do {
                self.reportingMTA = try DSNTypedValue(parsing: mta)
            } catch {
                throw .malformedTypedField(name: "Reporting-MTA", reason: error)
            }
        } else {
            self.reportingMTA = nil
        }
        self.sourceIP = try FeedbackReport.single("Source-IP", in: fields)
        if let count = try FeedbackReport.single("Incidents", in: fields) {
            guard let value = FeedbackReport.positiveInteger(count) else {
                throw .malformedNumber(name: "Incidents", value: count)
            }
            self.incidents = value
        } else {
            self.incidents = 1
        }
        self.reportedDomains = fields.values(for: "Reported-Domain").map { $0.dsnTrimmingWhitespace() }
        self.reportedURIs = fields.values(for: "Reported-URI").map { $0.dsnTrimmingWhitespace() }
        self.authenticationResults = fields.values(for: "Authentication-Results")
        self.fields = fields
        self.originalHeaders = originalHeaders
        self.originalMessage = originalMessage
    }

    /// The value of a field RFC 5965 §3.1 allows at most once, trimmed.
    private static func single(_ name: String, in fields: HeaderList) throws(FeedbackReportParseError) -> String? {
        let values = fields.values(for: name)
        if values.count > 1 { throw .repeatedField(name: name, count: values.count) }
        guard let value = values.first?.dsnTrimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    /// The value of a field RFC 5965 §3.1 requires exactly once, trimmed.
    private static func required(_ name: String, in fields: HeaderList) throws(FeedbackReportParseError) -> String {
        guard let value = try single(name, in: fields) else { throw .missingField(name: name) }
        return value
    }

    /// A decimal number of one to nine digits, at least 1.
    private static func positiveInteger(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard (1...9).contains(bytes.count) else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value >= 1 ? value : nil
    }

    /// An envelope path without its angle brackets.
    private static func path(_ text: String) -> String {
        let trimmed = text.dsnTrimmingWhitespace()
        let bytes = trimmed.utf8
        if bytes.count >= 2, bytes.first == UInt8(ascii: "<"), bytes.last == UInt8(ascii: ">") {
            return String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
        }
        return trimmed
    }
}

extension FeedbackReport {
    /// Reads an ARF message: a `multipart/report` with `report-type=feedback-report` whose parts are
    /// the human-readable text, the `message/feedback-report` fields and the reported message
    /// (`message/rfc822`) or its header section (`text/rfc822-headers`), as RFC 5965 §2 says.
    ///
    /// ```swift
    /// let report = try FeedbackReport.parse(try MIMEParser().parse(bytes))
    /// report.feedbackType        // .abuse
    /// report.sourceIP            // "192.0.2.1"
    /// report.originalHeaders["Message-ID"]
    /// ```
    public static func parse(_ message: MIMEEntity) throws(FeedbackReportParseError) -> FeedbackReport {
        guard message.contentType.mediaType == "multipart/report" else {
            throw .notMultipartReport(mediaType: message.contentType.mediaType)
        }
        let reportType = message.contentType.parameters["report-type"]
        guard reportType?.dsnLowercasedASCII() == "feedback-report" else {
            throw .wrongReportType(reportType)
        }
        let parts = message.parts
        guard let index = parts.firstIndex(where: { $0.contentType.mediaType == "message/feedback-report" }) else {
            throw .missingFeedbackPart
        }
        guard let bytes = parts[index].decodedBody else { throw .feedbackPartNotText }
        let fields: HeaderList
        do {
            fields = try HeaderSectionParser.parse(bytes).headers
        } catch {
            throw .malformedFields(reason: error)
        }
        let location = ReportParts.Location(part: parts[index], siblings: parts, index: index)
        guard let returned = ReportParts.returnedContent(near: location) else { throw .missingOriginalMessage }
        let headers: HeaderList?
        do {
            headers = try ReportParts.headers(of: returned)
        } catch {
            throw .malformedOriginalHeaders(reason: error)
        }
        guard let headers, !headers.isEmpty else { throw .missingOriginalMessage }
        return try FeedbackReport(fields: fields, originalHeaders: headers, originalMessage: returned.embeddedMessage)
    }
}

/// Why a message could not be read as an RFC 5965 feedback report.
public enum FeedbackReportParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message is not `multipart/report`.
    case notMultipartReport(mediaType: String)
    /// The `report-type` parameter is absent or not `feedback-report` (e.g. `delivery-status`).
    case wrongReportType(String?)
    /// No `message/feedback-report` part among the report's parts.
    case missingFeedbackPart
    /// The `message/feedback-report` part has no leaf body (only possible in a hand-built entity).
    case feedbackPartNotText
    /// The feedback fields exceed the parser's limits.
    case malformedFields(reason: MIMEParseError)
    /// A required field (`Feedback-Type`, `User-Agent`, `Version`) is absent or empty.
    case missingField(name: String)
    /// A field RFC 5965 allows once appears `count` times.
    case repeatedField(name: String, count: Int)
    /// `Version` or `Incidents` is not a positive decimal number.
    case malformedNumber(name: String, value: String)
    /// A `type; value` field (`Reporting-MTA`) that does not parse.
    case malformedTypedField(name: String, reason: DSNTypedValueError)
    /// No `message/rfc822` or `text/rfc822-headers` part (RFC 5965 requires one), or it is empty.
    case missingOriginalMessage
    /// The returned header section exceeds the parser's limits.
    case malformedOriginalHeaders(reason: MIMEParseError)

    /// A readable explanation, naming the field or value concerned.
    public var description: String {
        switch self {
        case .notMultipartReport(let mediaType):
            return "not a feedback report: the message is \(mediaType), not multipart/report"
        case .wrongReportType(let type):
            return "not a feedback report: report-type is \(type.map { "\"\($0)\"" } ?? "absent")"
        case .missingFeedbackPart:
            return "the report has no message/feedback-report part"
        case .feedbackPartNotText:
            return "the message/feedback-report part has no text body"
        case .malformedFields(let reason):
            return "malformed feedback fields: \(reason)"
        case .missingField(let name):
            return "the feedback report has no \(name) field"
        case .repeatedField(let name, let count):
            return "\(name) appears \(count) times; RFC 5965 allows it once"
        case .malformedNumber(let name, let value):
            return "\(name) \"\(value)\" is not a positive decimal number"
        case .malformedTypedField(let name, let reason):
            return "malformed \(name) field: \(reason)"
        case .missingOriginalMessage:
            return "the report does not include the reported message or its header section"
        case .malformedOriginalHeaders(let reason):
            return "unreadable header section of the reported message: \(reason)"
        }
    }
}
