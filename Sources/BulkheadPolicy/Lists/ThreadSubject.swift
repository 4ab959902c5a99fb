/// The subject of a thread, as storm protection compares it: reply and forward prefixes (`Re:`,
/// `RE :`, `Re[2]:`, `Fwd:`, `Fw:`, and the German, Scandinavian, Dutch, Polish, French and Spanish
/// forms `AW:`, `WG:`, `SV:`, `VS:`, `Antw:`, `Odp:`, `TR:`, `RV:`, `ENC:`) and list tags
/// (`[all]`) removed from the front, whitespace runs made one space, lowercased.
///
/// ```swift
/// ThreadSubject("RE: [all] Re: Fwd:  Test   message").key   // "test message"
/// ThreadSubject("Re: Lunch").isReply                       // true
/// ```
public struct ThreadSubject: Sendable, Hashable {
    /// The normalised subject.
    public let key: String
    /// Whether the subject starts with a reply prefix (after list tags).
    public let isReply: Bool

    static let replyPrefixes: Set<String> = ["re", "aw", "sv", "vs", "antw", "odp"]
    static let forwardPrefixes: Set<String> = ["fwd", "fw", "wg", "tr", "rv", "enc"]

    public init(_ subject: String) {
        var rest = Substring(subject)
        var reply = false
        var sawPrefix = true
        while sawPrefix {
            sawPrefix = false
            rest = rest.drop(while: \.isWhitespace)
            if rest.first == "[", let close = rest.firstIndex(of: "]") {
                rest = rest[rest.index(after: close)...]
                sawPrefix = true
                continue
            }
            guard let colon = rest.firstIndex(of: ":") else { break }
            var word = rest[..<colon].trimmingSuffix(while: \.isWhitespace)
            // Re[2]: and Re^2: count as Re:
            if let bracket = word.firstIndex(where: { $0 == "[" || $0 == "^" }) { word = word[..<bracket] }
            let lowered = word.lowercased()
            if Self.replyPrefixes.contains(lowered) {
                reply = true
                rest = rest[rest.index(after: colon)...]
                sawPrefix = true
            } else if Self.forwardPrefixes.contains(lowered) {
                rest = rest[rest.index(after: colon)...]
                sawPrefix = true
            }
        }
        key = rest.split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased()
        isReply = reply
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
