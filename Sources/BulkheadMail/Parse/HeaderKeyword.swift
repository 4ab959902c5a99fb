/// The keyword of a structured field whose value is one token, with optional `; name=value`
/// parameters and comments around: `Auto-Submitted: auto-replied (vacation); owner-email="a@b.example"`
/// (RFC 3834 §5), `Precedence: bulk`, or one element of `X-Auto-Response-Suppress: OOF, AutoReply`.
///
/// The keyword is an RFC 2045 token, lowercased; comments and folding white space are skipped, the
/// parameters read as in `Content-Type` (names lowercased, quoted values unquoted).
///
/// ```swift
/// HeaderKeyword(parsing: "No (a person wrote this)")?.keyword           // "no"
/// HeaderKeyword(parsing: "auto-replied; owner-email=\"a@b.example\"")?.parameters["owner-email"]  // "a@b.example"
/// HeaderKeyword.list("OOF, AutoReply").map(\.keyword)                  // ["oof", "autoreply"]
/// HeaderKeyword(parsing: "(only a comment)")                           // nil
/// ```
public struct HeaderKeyword: Sendable, Hashable {
    /// The token, lowercased (ASCII).
    public let keyword: String
    /// The parameters after the keyword, by lowercased name.
    public let parameters: [String: String]

    /// Reads `value`; nil when it holds no token, or a `type/subtype` pair instead of one token.
    public init?(parsing value: String) {
        guard let parsed = ParameterizedValue.parse(value), parsed.subtype == nil else { return nil }
        keyword = parsed.main
        parameters = parsed.parameters
    }

    /// The keywords of a comma-separated list, in order; elements without a token are left out.
    /// (A comma inside a comment or a quoted parameter value splits there too: list fields such as
    /// `X-Auto-Response-Suppress` hold neither.)
    public static func list(_ value: String) -> [HeaderKeyword] {
        value.split(separator: ",", omittingEmptySubsequences: true).compactMap { HeaderKeyword(parsing: String($0)) }
    }
}
