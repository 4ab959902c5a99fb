/// Keeps CSV cells from being run as spreadsheet formulas (OWASP "CSV injection"), reversibly.
///
/// Export: a value that starts with `=`, `+`, `-`, `@`, TAB or CR, after any leading `'`s, is written
/// with one more `'` in front, which spreadsheets show as text. Import: a cell that starts with `'`
/// followed by such a value loses that one `'`. So every value comes back exactly as exported
/// (`'=x` is exported as `''=x` and imported as `'=x`), and no exported cell starts a formula. A value
/// like `'abc` is left as it is both ways.
///
/// ```swift
/// SpreadsheetFormulaGuard.escape("=HYPERLINK(\"http://x\")")   // "'=HYPERLINK(\"http://x\")"
/// SpreadsheetFormulaGuard.unescape("'-2+3")                   // "-2+3"
/// SpreadsheetFormulaGuard.unescape("'abc")                    // "'abc"
/// ```
public enum SpreadsheetFormulaGuard {
    /// The first characters a spreadsheet treats as the start of a formula (or a DDE command).
    public static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// `value` as it is written into a CSV cell.
    public static func escape(_ value: String) -> String {
        needsGuard(value.unicodeScalars[...]) ? "'" + value : value
    }

    /// The value of a cell that ``escape(_:)`` may have written.
    public static func unescape(_ cell: String) -> String {
        let scalars = cell.unicodeScalars
        guard scalars.first == "'", needsGuard(scalars.dropFirst()) else { return cell }
        return String(scalars.dropFirst())
    }

    /// Whether the first character after any run of `'` starts a formula.
    static func needsGuard(_ scalars: Substring.UnicodeScalarView) -> Bool {
        guard let first = scalars.first(where: { $0 != "'" }) else { return false }
        return formulaStarts.contains(first)
    }
}
