import BulkheadMail
import BulkheadPolicy

/// What `bulkhead inspect` prints, as text or JSON.
struct InspectReport: Encodable {
    struct Part: Encodable {
        var path: String
        var depth: Int
        var contentType: String
        var charset: String?
        var transferEncoding: String?
        var filename: String?
        var decodedBytes: Int?
        var parts: Int?
    }

    struct Report: Encodable {
        var kind: String
        var summary: [String]
    }

    struct Malformed: Encodable {
        var file: String
        var error: String
    }

    var file: String
    var size: Int
    var headers: [String: String]
    var parts: [Part]
    var dkim: [String]
    var report: Report?
    var findings: [Finding]

    init(file: String, size: Int, message: MIMEEntity, findings: [Finding]) {
        self.file = file
        self.size = size
        var headers: [String: String] = [:]
        for name in [
            "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "Return-Path", "List-Unsubscribe", "Auto-Submitted", "Precedence",
        ] {
            if let value = message.decodedHeader(name) { headers[name] = value }
        }
        self.headers = headers
        parts = InspectReport.walk(message)
        dkim = message.headers.values(for: "DKIM-Signature").map { value in
            do {
                let summary = try DKIMSignatureSummary(parsing: value)
                return "d=\(summary.domain) s=\(summary.selector) a=\(summary.algorithm) h=\(summary.signedHeaders.joined(separator: ":"))"
            } catch {
                return "unreadable: \(error)"
            }
        }
        report = InspectReport.describeReport(message)
        self.findings = findings
    }

    static func walk(_ root: MIMEEntity) -> [Part] {
        var result: [Part] = []
        var stack: [(String, Int, MIMEEntity)] = [("1", 0, root)]
        while let (path, depth, entity) = stack.popLast() {
            var part = Part(path: path, depth: depth, contentType: entity.contentType.mediaType)
            part.charset = entity.contentType.parameters["charset"]
            part.transferEncoding = entity.headers["Content-Transfer-Encoding"]?.lowercased()
            part.filename = entity.filename
            switch entity.body {
            case .leaf: part.decodedBytes = entity.decodedBody?.count
            case .multipart(let children, _, _): part.parts = children.count
            case .message: part.parts = 1
            }
            result.append(part)
            if let inner = entity.embeddedMessage { stack.append((path + ".1", depth + 1, inner)) }
            for (index, child) in entity.parts.enumerated().reversed() {
                stack.append(("\(path).\(index + 1)", depth + 1, child))
            }
        }
        return result
    }

    static func describeReport(_ message: MIMEEntity) -> Report? {
        switch InboundReport.classify(message) {
        case .deliveryStatus(let dsn):
            return Report(
                kind: "delivery-status",
                summary: dsn.recipients.map { recipient in
                    "\(recipient.address): \(recipient.action.rawValue) \(recipient.status) (\(recipient.bounceClass))"
                })
        case .feedback(let arf):
            return Report(kind: "feedback-report", summary: ["\(arf.feedbackType.fieldValue) from \(arf.userAgent)"])
        case .malformedDeliveryStatus(let error):
            return Report(kind: "malformed delivery-status", summary: ["\(error)"])
        case .malformedFeedback(let error):
            return Report(kind: "malformed feedback-report", summary: ["\(error)"])
        case .qmailBounce(let bounce):
            return Report(
                kind: "qmail-bounce",
                summary: bounce.recipients.map { recipient in "\(recipient.address): failed \(recipient.status) (\(recipient.bounceClass))" })
        case .notAReport:
            return nil
        }
    }

    var text: String {
        var lines = ["\(file): \(size) bytes"]
        for name in headers.keys.sorted() { lines.append("  \(name): \(headers[name]!)") }
        lines.append("structure:")
        for part in parts {
            var line = String(repeating: "  ", count: part.depth + 1) + "\(part.path) \(part.contentType)"
            if let charset = part.charset { line += " charset=\(charset)" }
            if let encoding = part.transferEncoding { line += " (\(encoding))" }
            if let filename = part.filename { line += " \"\(filename)\"" }
            if let bytes = part.decodedBytes { line += ", \(bytes) bytes" }
            if let count = part.parts { line += ", \(count) part\(count == 1 ? "" : "s")" }
            lines.append(line)
        }
        for signature in dkim { lines.append("dkim: \(signature)") }
        if let report {
            lines.append("report: \(report.kind)")
            for line in report.summary { lines.append("  \(line)") }
        }
        if findings.isEmpty {
            lines.append("findings: none")
        } else {
            lines.append("findings:")
            for finding in findings { lines.append("  \(finding)") }
        }
        return lines.joined(separator: "\n")
    }
}
