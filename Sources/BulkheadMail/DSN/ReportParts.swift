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
            if case let .multipart(children, _, _) = part.body { stack.append((children, 0)) }
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
        let order = Array(location.siblings.indices.dropFirst(location.index + 1))
            + Array(location.siblings.indices.prefix(location.index))
        for index in order {
            let type = location.siblings[index].contentType.mediaType
            if messageTypes.contains(type) || headerTypes.contains(type) { return location.siblings[index] }
        }
        return nil
    }

    /// The header section of a returned-content part: the embedded message's headers, or the
    /// fields at the start of a header-only (or transfer-encoded message) part; anything after the
    /// first empty line (OpenSMTPD puts the body there) is ignored.
    static func headers(of returned: MIMEEntity) throws(MIMEParseError) -> HeaderList? {
        switch returned.body {
        case let .message(inner):
            return inner.value.headers
        case let .leaf(bytes):
            return try HeaderSectionParser.parse(bytes).headers
        case .multipart:
            return nil
        }
    }
}
