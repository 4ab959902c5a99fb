/// Finding the parts of a report (RFC 6522 `multipart/report` and look-alikes) in a parsed message.
enum ReportParts {
    /// Where a part was found: the parts of the multipart holding it (empty when the part is the
    /// top-level entity) and its index among them.
    struct Location {
        var part: MIMEEntity
        var siblings: [MIMEEntity]
        var index: Int
    }

    /// The first entity, depth-first through multipart children only, whose media type is one of
    /// `mediaTypes`. Embedded messages are not entered: a report quoted inside a returned or
    /// forwarded message is not this message's report. Iterative, so any depth is safe.
    static func find(_ mediaTypes: Set<String>, in message: MIMEEntity) -> Location? {
        if mediaTypes.contains(message.contentType.mediaType) {
            return Location(part: message, siblings: [], index: 0)
        }
        var stack: [(parts: [MIMEEntity], index: Int)] = [(message.parts, 0)]
        while var top = stack.popLast() {
            guard top.index < top.parts.count else { continue }
            let part = top.parts[top.index]
            if mediaTypes.contains(part.contentType.mediaType) {
                return Location(part: part, siblings: top.parts, index: top.index)
            }
            top.index += 1
            stack.append(top)
            if case .multipart(let children, _, _) = part.body { stack.append((children, 0)) }
        }
        return nil
    }

    /// Media types that carry a returned message whole.
    static let messageTypes: Set<String> = ["message/rfc822", "message/global"]
    /// Media types that carry only a returned message's header section.
    static let headerTypes: Set<String> = ["text/rfc822-headers", "message/global-headers"]

    /// The returned message next to a report part: the first sibling after it, else before it, that
    /// is a whole message or a header section. Nil when there is none.
    static func returnedContent(near location: Location) -> MIMEEntity? {
        let order =
            Array(location.siblings.indices.dropFirst(location.index + 1))
            + Array(location.siblings.indices.prefix(location.index))
        for index in order {
            let type = location.siblings[index].contentType.mediaType
            if messageTypes.contains(type) || headerTypes.contains(type) { return location.siblings[index] }
        }
        return nil
    }

    /// The text of the human-readable part of a report: the first `text/plain` sibling before the
    /// report part (RFC 6522 puts it first), decoded leniently; nil when there is none.
    static func humanReadableText(near location: Location) -> String? {
        for part in location.siblings.prefix(location.index) where part.contentType.mediaType == "text/plain" {
            guard let bytes = part.decodedBody else { return nil }
            return TextDecoding.decodeLossy(bytes, charset: part.contentType.parameters["charset"] ?? "us-ascii")
        }
        return nil
    }

    /// Most lines taken under an address line by ``explanations(in:for:)``.
    static let maxExplanationLines = 8
    /// Most characters kept of one explanation.
    static let maxExplanationLength = 2_000

    /// What a human-readable report says about each of `addresses` (lowercased) that it names: the
    /// first line naming it and up to ``maxExplanationLines`` more indented lines right under it, as
    /// Exim (`  bob@example.com` / `    retry timeout exceeded`) and Postfix (`<bob@example.com>:
    /// host ... said: 550 ...` / `    (in reply to RCPT TO command)`) write it. One pass over the
    /// text; each line is looked at a bounded number of times, and each explanation is bounded.
    static func explanations(in text: String, for addresses: Set<String>) -> [String: String] {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        func indentation(_ line: Substring) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }
        var found: [String: String] = [:]
        for (index, line) in lines.enumerated() where line.contains("@") {
            let named = line.split { " \t<>:;,()\"'[]".contains($0) }
                .map { String($0).dsnLowercasedASCII() }
                .filter { addresses.contains($0) && found[$0] == nil }
            guard !named.isEmpty else { continue }
            let depth = indentation(line)
            var block = [line]
            for next in lines.dropFirst(index + 1).prefix(maxExplanationLines) {
                guard !next.allSatisfy({ $0 == " " || $0 == "\t" }), indentation(next) > depth else { break }
                block.append(next)
            }
            let explanation = String(block.joined(separator: "\n").prefix(maxExplanationLength))
            for address in named { found[address] = explanation }
        }
        return found
    }

    /// The header section of a returned-content part: the embedded message's headers, or the
    /// fields at the start of a header-only (or transfer-encoded message) part; anything after the
    /// first empty line (OpenSMTPD puts the body there) is ignored.
    static func headers(of returned: MIMEEntity) throws(MIMEParseError) -> HeaderList? {
        switch returned.body {
        case .message(let inner):
            return inner.value.headers
        case .leaf(let bytes):
            return try HeaderSectionParser.parse(bytes).headers
        case .multipart:
            return nil
        }
    }
}
