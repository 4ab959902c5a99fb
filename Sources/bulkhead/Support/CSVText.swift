import BulkheadEngine
import Foundation

/// CSV text as RFC 4180 writes it, safe to open in a spreadsheet.
enum CSVText {
    /// One field: a value that would start a formula gets a leading `'` (``SpreadsheetFormulaGuard``,
    /// which the importer undoes); quoted when it holds a separator, a quote, a line break or
    /// leading/trailing space.
    static func field(_ raw: String) -> String {
        let value = SpreadsheetFormulaGuard.escape(raw)
        let needsQuotes =
            value.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || value.first?.isWhitespace == true || value.last?.isWhitespace == true
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record with its CRLF line end.
    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
