import Foundation

/// CSV text as RFC 4180 writes it, safe to open in a spreadsheet: what the CLI's exports and the
/// dashboard's downloads write.
///
/// ```swift
/// CSVText.record(["=1+1", "a,b"])   // "'=1+1,\"a,b\"\r\n"
/// ```
public enum CSVText {
    /// One field: a value that would start a formula gets a leading `'` (``SpreadsheetFormulaGuard``,
    /// which the importer undoes); quoted when it holds a separator, a quote, a line break or
    /// leading/trailing space.
    public static func field(_ raw: String) -> String {
        let value = SpreadsheetFormulaGuard.escape(raw)
        let needsQuotes =
            value.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || value.first?.isWhitespace == true || value.last?.isWhitespace == true
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record with its CRLF line end.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
