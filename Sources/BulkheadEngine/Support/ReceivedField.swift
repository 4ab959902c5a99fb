import BulkheadMail
import BulkheadSMTP
import Foundation

/// The `Received:` trace field a listener prepends to a message it accepts (RFC 5321 §4.4), with the
/// RFC 3848 protocol name (`ESMTP`, `ESMTPS`, `ESMTPA`, `ESMTPSA`).
///
/// ```swift
/// let bytes = ReceivedField.bytes(session: session, hostname: "mx.shop.example", at: clock.date) + message.bytes
/// // Received: from client.example ([127.0.0.1])\r\n\tby mx.shop.example with ESMTPS; Tue, 1 Dec 2026 …\r\n
/// ```
enum ReceivedField {
    static func bytes(session: SMTPServerSessionInfo, hostname: String, at date: Date) -> [UInt8] {
        let from = KeptMailbox.headerSafe(session.heloName ?? "unknown")
        let address = session.connection.remoteAddress ?? "unknown"
        let with =
            (session.isESMTP ? "ESMTP" : "SMTP") + (session.isTLSActive ? "S" : "")
            + (session.isESMTP && session.authenticatedUser != nil ? "A" : "")
        let formatted = MessageDate(date).formatted
        return Array("Received: from \(from) ([\(address)])\r\n\tby \(KeptMailbox.headerSafe(hostname)) with \(with); \(formatted)\r\n".utf8)
    }
}
