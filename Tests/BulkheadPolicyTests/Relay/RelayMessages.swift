import BulkheadMail
import BulkheadPolicy

/// Relay messages for the relay rule tests: local domain `example.com`, external recipients at `customer.test`.
enum RelayMessages {
    static let local = try! LocalDomains(["example.com", "bücher.example"])
    static let sender = RelaySender.user("ann")

    /// `count` distinct external addresses (`c1@customer.test`, …).
    static func external(_ count: Int) -> [String] {
        (0..<count).map { "c\($0 + 1)@customer.test" }
    }

    /// The message with these header lines (`To: …`, `Cc: …`) and body, parsed as the relay parses it.
    static func parsed(
        _ headerLines: [String], envelope: [String] = ["c1@customer.test"], subject: String = "Spring offer",
        body: String = "Hello, our offer."
    ) throws -> RelayMessage {
        let text = (["From: Ann <ann@example.com>", "Subject: \(subject)"] + headerLines).joined(separator: "\r\n") + "\r\n\r\n\(body)\r\n"
        return RelayMessage(
            parsing: try MIMEParser().parse(Array(text.utf8)), envelopeRecipients: envelope, sender: sender, localDomains: local)
    }

    /// A message to `envelope` with nobody in To/Cc.
    static func envelope(_ envelope: [String], subject: String = "Spring offer", text: String = "Hello, our offer.") -> RelayMessage {
        RelayMessage(visibleRecipients: [], envelopeRecipients: envelope, sender: sender, localDomains: local, subject: subject, text: text)
    }
}
