import Foundation

/// The instant a message's `Date:` field names (RFC 5322 §3.3, and the obsolete forms mail still
/// carries: no day name, two-digit years, zone names, comments), or nil when it cannot be read.
///
/// ```swift
/// MessageWrittenAt.parse("Tue, 1 Dec 2026 18:00:00 +0100 (CET)")  // 2026-12-01T17:00:00Z
/// MessageWrittenAt.parse("tomorrow")                               // nil
/// ```
enum MessageWrittenAt {
    static func parse(_ value: String) -> Date? {
        var text = value
        // Comments (a zone name in parentheses) and folding white space say nothing about the instant.
        while let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") { text.removeSubrange(open...close) }
        text = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        if let comma = text.firstIndex(of: ",") { text = String(text[text.index(after: comma)...]).trimmingCharacters(in: .whitespaces) }
        // A two-digit year is 2000-2049 or 1950-1999 (RFC 5322 §4.3).
        var tokens = text.split(separator: " ").map(String.init)
        if tokens.count >= 3, tokens[2].count == 2, let year = Int(tokens[2]) {
            tokens[2] = String(year < 50 ? 2000 + year : 1900 + year)
            text = tokens.joined(separator: " ")
        }
        return formatters.lazy.compactMap { $0.date(from: text) }.first
    }

    /// Made once: a formatter costs far more to make than to use, and every message to a responder is read.
    private static let formatters = ["d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm Z", "d MMM yyyy HH:mm:ss zzz"].map(formatter)

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = format
        return formatter
    }
}
