/// One `tag=value` of a DKIM tag list (RFC 6376 §3.2).
struct DKIMTag: Sendable, Hashable {
    /// The tag name (case-sensitive, as RFC 6376 requires).
    var name: String
    /// The value with its internal white space kept, surrounding white space removed.
    var value: String
    /// Offsets, relative to the parsed bytes, from just after the `=` to the end of the tag
    /// (before the `;` or the end): the span deleted when `b=` is emptied.
    var afterEquals: Int
    var tagEnd: Int

    /// The value with all white space (SP, HTAB, CR, LF) removed: base64 data and `h=` lists.
    var compactValue: String {
        String(decoding: value.utf8.filter { !DKIMTagList.isSpace($0) }, as: UTF8.self)
    }
}

/// A strictly parsed DKIM tag list: `tag-spec *(";" tag-spec) [";"]`, tag names `ALPHA
/// *(ALPHA / DIGIT / "_")`, values of VALCHAR (%x21-3A / %x3C-7E) separated by folding white space,
/// no duplicate tag.
struct DKIMTagList: Sendable {
    var tags: [DKIMTag]

    /// A tag-list syntax error: which tag (empty when no name could be read) and why.
    struct SyntaxError: Error, Sendable, Hashable {
        var tag: String
        var why: String
    }

    subscript(name: String) -> DKIMTag? { tags.first { $0.name == name } }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A
    }

    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    init(parsing bytes: some Collection<UInt8>) throws(SyntaxError) {
        let p = Array(bytes)
        let n = p.count
        var tags: [DKIMTag] = []
        var pos = 0
        while true {
            while pos < n && Self.isSpace(p[pos]) { pos += 1 }
            if pos == n { break }
            let nameStart = pos
            guard Self.isAlpha(p[pos]) else {
                throw SyntaxError(tag: "", why: "expected a tag name at offset \(pos)")
            }
            pos += 1
            while pos < n && (Self.isAlpha(p[pos]) || (p[pos] >= 0x30 && p[pos] <= 0x39) || p[pos] == UInt8(ascii: "_")) { pos += 1 }
            let name = String(decoding: p[nameStart..<pos], as: UTF8.self)
            while pos < n && Self.isSpace(p[pos]) { pos += 1 }
            guard pos < n && p[pos] == UInt8(ascii: "=") else {
                throw SyntaxError(tag: name, why: "expected \"=\" after the tag name at offset \(pos)")
            }
            pos += 1
            let afterEquals = pos
            while pos < n && p[pos] != UInt8(ascii: ";") { pos += 1 }
            let tagEnd = pos
            var valueStart = afterEquals
            while valueStart < tagEnd && Self.isSpace(p[valueStart]) { valueStart += 1 }
            var valueEnd = tagEnd
            while valueEnd > valueStart && Self.isSpace(p[valueEnd - 1]) { valueEnd -= 1 }
            for j in valueStart..<valueEnd where !Self.isSpace(p[j]) && !(p[j] >= 0x21 && p[j] <= 0x7E) {
                throw SyntaxError(tag: name, why: "byte 0x\(String(p[j], radix: 16)) at offset \(j) is not allowed in a tag value")
            }
            if tags.contains(where: { $0.name == name }) {
                throw SyntaxError(tag: name, why: "tag appears more than once")
            }
            tags.append(
                DKIMTag(
                    name: name, value: String(decoding: p[valueStart..<valueEnd], as: UTF8.self),
                    afterEquals: afterEquals, tagEnd: tagEnd
                ))
            if pos == n { break }
            pos += 1
        }
        self.tags = tags
    }
}
