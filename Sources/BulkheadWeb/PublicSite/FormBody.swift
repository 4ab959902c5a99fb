import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (what the public pages' forms send), in
/// order; nil for anything else: another content type, a bad `%` escape, bytes that are not UTF-8,
/// or a NUL or other control character in a name or value (none of our fields takes one).
///
/// ```swift
/// FormBody.fields("email=ann%40example.org&name=Ann", contentType: "application/x-www-form-urlencoded")
/// // [("email", "ann@example.org"), ("name", "Ann")]
/// ```
enum FormBody {
    static func fields(_ body: String, contentType: String?) -> [(name: String, value: String)]? {
        let type = contentType?.lowercased() ?? "application/x-www-form-urlencoded"
        guard type.hasPrefix("application/x-www-form-urlencoded") else { return nil }
        var fields: [(name: String, value: String)] = []
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decoded(parts[0]), let value = decoded(parts.count > 1 ? parts[1] : "") else { return nil }
            fields.append((name, value))
        }
        return fields
    }

    /// `+` is a space, `%XX` an octet; nil when the result holds a control character.
    private static func decoded(_ text: Substring) -> String? {
        guard let value = text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
            !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return value
    }
}
