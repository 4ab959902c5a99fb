/// A single-pass parser for RFC 5322 §3.4 addresses with RFC 6532 UTF-8 and the common obsolete
/// forms. It works on the UTF-8 bytes; every loop advances, comments are skipped iteratively with
/// a depth bound, and input length is bounded, so hostile input costs linear time.
struct AddressParser {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ text: String) throws(AddressParseError) {
        let count = text.utf8.count
        if count > AddressList.maximumInputLength {
            throw AddressParseError(offset: AddressList.maximumInputLength, reason: .inputTooLong(count))
        }
        bytes = Array(text.utf8)
    }

    var atEnd: Bool { position >= bytes.count }

    /// One word or dot of a phrase or local part, with whether CFWS stood before it.
    private struct Item {
        enum Kind {
            case atom(Range<Int>)
            case quoted(String)
            case dot
        }

        var kind: Kind
        var offset: Int
        var spaceBefore: Bool
    }

    // MARK: - Errors

    private func error(_ reason: AddressParseError.Reason, at offset: Int? = nil) -> AddressParseError {
        AddressParseError(offset: offset ?? position, reason: reason)
    }

    /// The error for whatever stands at the current position (or the end).
    func unexpectedHere() -> AddressParseError {
        guard position < bytes.count else { return error(.missingAt) }
        return error(.unexpectedCharacter(character(at: position)))
    }

    /// The character whose UTF-8 sequence starts at `offset`.
    private func character(at offset: Int) -> Character {
        let end = min(offset + EncodedWords.sequenceLength(bytes[offset]), bytes.count)
        return String(decoding: bytes[offset..<end], as: UTF8.self).first ?? "\u{FFFD}"
    }

    // MARK: - Lists

    /// `address-list`, allowing empty elements (`a@b, , c@d,`).
    mutating func parseList() throws(AddressParseError) -> [Address] {
        var result: [Address] = []
        while true {
            if let address = try parseAddress(allowGroup: true) { result.append(address) }
            try skipCFWS()
            if atEnd { return result }
            guard bytes[position] == UInt8(ascii: ",") else { throw unexpectedHere() }
            position += 1
        }
    }

    /// One `address`, or nil for an empty list element (only CFWS before `,`, `;` or the end).
    mutating func parseAddress(allowGroup: Bool) throws(AddressParseError) -> Address? {
        try skipCFWS()
        let start = position
        let items = try readItems()
        guard position < bytes.count else {
            if items.isEmpty { return nil }
            throw error(.missingAt)
        }
        switch bytes[position] {
        case UInt8(ascii: "<"):
            let name = phraseText(items)
            let (localPart, domain) = try parseAngleAddress()
            return .mailbox(Mailbox(displayName: name, localPart: localPart, domain: domain))
        case UInt8(ascii: ":"):
            guard allowGroup else { throw error(.nestedGroup) }
            guard let name = phraseText(items) else { throw unexpectedHere() }
            position += 1
            return .group(name: name, members: try parseGroupMembers())
        case UInt8(ascii: "@"):
            let localPart = try localPartText(items, at: start)
            position += 1
            let domain = try parseDomain()
            return .mailbox(Mailbox(displayName: nil, localPart: localPart, domain: domain))
        case UInt8(ascii: ","), UInt8(ascii: ";"):
            if items.isEmpty { return nil }
            throw error(.missingAt)
        default:
            throw unexpectedHere()
        }
    }

    /// The members of a group after its `:`, through the `;` (a missing `;` at the end is tolerated).
    private mutating func parseGroupMembers() throws(AddressParseError) -> [Mailbox] {
        var members: [Mailbox] = []
        while true {
            if let address = try parseAddress(allowGroup: false) { members.append(contentsOf: address.mailboxes) }
            try skipCFWS()
            if atEnd { return members }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: ";"):
                position += 1
                return members
            default: throw unexpectedHere()
            }
        }
    }

    // MARK: - Mailboxes

    /// `addr-spec` alone, with optional surrounding CFWS.
    mutating func parseAddrSpec() throws(AddressParseError) -> (localPart: String, domain: String) {
        try skipCFWS()
        let start = position
        let items = try readItems()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "@") else {
            if position < bytes.count, bytes[position] != UInt8(ascii: ">") { throw unexpectedHere() }
            throw error(items.isEmpty ? .emptyAddress : .missingAt)
        }
        let localPart = try localPartText(items, at: start)
        position += 1
        return (localPart, try parseDomain())
    }

    /// `angle-addr` from its `<`, including an obsolete route (`<@relay:user@host>`).
    private mutating func parseAngleAddress() throws(AddressParseError) -> (localPart: String, domain: String) {
        let open = position
        position += 1
        try skipCFWS()
        if position < bytes.count, bytes[position] == UInt8(ascii: ">") { throw error(.emptyAddress) }
        if position < bytes.count, bytes[position] == UInt8(ascii: "@") { try skipRoute() }
        let address = try parseAddrSpec()
        try skipCFWS()
        guard position < bytes.count else { throw error(.missingClosingAngle, at: open) }
        guard bytes[position] == UInt8(ascii: ">") else { throw unexpectedHere() }
        position += 1
        return address
    }

    /// `obs-route`: `@domain *("," [CFWS] ["@" domain]) ":"`; the route is dropped.
    private mutating func skipRoute() throws(AddressParseError) {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "@"):
                position += 1
                _ = try parseDomain()
            case UInt8(ascii: ","):
                position += 1
                try skipCFWS()
            case UInt8(ascii: ":"):
                position += 1
                return
            default:
                throw unexpectedHere()
            }
        }
        throw error(.missingClosingAngle)
    }

    // MARK: - Words

    /// Reads atoms, quoted strings and dots separated by CFWS, up to anything else.
    private mutating func readItems() throws(AddressParseError) -> [Item] {
        var items: [Item] = []
        var space = false
        while position < bytes.count {
            let byte = bytes[position]
            let start = position
            if AddressSyntax.isAtext(byte) {
                while position < bytes.count, AddressSyntax.isAtext(bytes[position]) { position += 1 }
                items.append(Item(kind: .atom(start..<position), offset: start, spaceBefore: space))
            } else if byte == UInt8(ascii: "\"") {
                items.append(Item(kind: .quoted(try readQuotedString()), offset: start, spaceBefore: space))
            } else if byte == UInt8(ascii: ".") {
                position += 1
                items.append(Item(kind: .dot, offset: start, spaceBefore: space))
            } else {
                break
            }
            space = try skipCFWS()
        }
        return items
    }

    /// A display name from phrase items: words joined by one space where CFWS stood, encoded-words
    /// decoded; nil when there are no items or the text is empty.
    private func phraseText(_ items: [Item]) -> String? {
        guard !items.isEmpty else { return nil }
        var text = ""
        var first = true
        for item in items {
            if item.spaceBefore && !first { text.append(" ") }
            first = false
            switch item.kind {
            case .atom(let range): text.append(String(decoding: bytes[range], as: UTF8.self))
            case .quoted(let content): text.append(content)
            case .dot: text.append(".")
            }
        }
        if text.utf8.contains(UInt8(ascii: "=")) { text = EncodedWords.decode(text) }
        return text.isEmpty ? nil : text
    }

    /// A local part from items: `word *("." word)` (CFWS around the dots tolerated), unquoted.
    private func localPartText(_ items: [Item], at start: Int) throws(AddressParseError) -> String {
        guard !items.isEmpty else { throw error(.emptyLocalPart) }
        var text = ""
        var expectWord = true
        for item in items {
            switch item.kind {
            case .atom(let range):
                guard expectWord else { throw error(.unexpectedCharacter(character(at: range.lowerBound)), at: item.offset) }
                text.append(String(decoding: bytes[range], as: UTF8.self))
                expectWord = false
            case .quoted(let content):
                guard expectWord else { throw error(.unexpectedCharacter("\""), at: item.offset) }
                text.append(content)
                expectWord = false
            case .dot:
                guard !expectWord else { throw error(.unexpectedCharacter("."), at: item.offset) }
                text.append(".")
                expectWord = true
            }
        }
        if expectWord {
            if let last = items.last, case .dot = last.kind { throw error(.unexpectedCharacter("."), at: last.offset) }
        }
        if text.isEmpty { throw error(.emptyLocalPart, at: start) }
        return text
    }

    /// A quoted-string from its opening quote: quoted-pairs undone, CR and LF of folding removed,
    /// also when quoted (`\<CR>`, obsolete syntax): a CR or LF kept would be written back raw and
    /// read back as folding, so the text would not survive a round trip (nor belong in a header).
    private mutating func readQuotedString() throws(AddressParseError) -> String {
        let open = position
        position += 1
        var content: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: content, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position + 1 < bytes.count else { throw error(.unterminatedQuotedString, at: open) }
                if !Self.isLineBreak(bytes[position + 1]) { content.append(bytes[position + 1]) }
                position += 2
            case 0x0D, 0x0A:
                position += 1
            default:
                content.append(byte)
                position += 1
            }
        }
        throw error(.unterminatedQuotedString, at: open)
    }

    // MARK: - Domains

    /// A domain after the `@`: a dot-atom (CFWS around dots tolerated) or a domain literal,
    /// checked with ``IDNA/toASCII(_:)`` (label and name lengths, characters).
    private mutating func parseDomain() throws(AddressParseError) -> String {
        try skipCFWS()
        let start = position
        guard position < bytes.count else { throw error(.invalidDomain(.empty)) }
        if bytes[position] == UInt8(ascii: "[") { return try readDomainLiteral() }
        var text = ""
        var label = 0
        while true {
            let labelStart = position
            while position < bytes.count, AddressSyntax.isAtext(bytes[position]) { position += 1 }
            if position == labelStart {
                throw error(.invalidDomain(label == 0 && (atEnd || bytes[position] != UInt8(ascii: ".")) ? .empty : .emptyLabel(index: label)))
            }
            text.append(String(decoding: bytes[labelStart..<position], as: UTF8.self))
            try skipCFWS()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ".") else { break }
            position += 1
            text.append(".")
            label += 1
            try skipCFWS()
        }
        do {
            _ = try IDNA.toASCII(text)
        } catch {
            throw self.error(.invalidDomain(error), at: start)
        }
        return text
    }

    /// `domain-literal` from its `[`: dtext, quoted-pairs and folding white space (removed, a quoted
    /// CR or LF too). A quoted-pair is kept as written, backslash included: the domain is written back
    /// as held, and undone, `\]` or `\\` or an escaped space would not read back the same (or at all).
    private mutating func readDomainLiteral() throws(AddressParseError) -> String {
        let open = position
        position += 1
        var content: [UInt8] = [UInt8(ascii: "[")]
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "]"):
                position += 1
                content.append(byte)
                return String(decoding: content, as: UTF8.self)
            case UInt8(ascii: "["):
                throw unexpectedHere()
            case UInt8(ascii: "\\"):
                guard position + 1 < bytes.count else { throw error(.unterminatedDomainLiteral, at: open) }
                if !Self.isLineBreak(bytes[position + 1]) { content.append(contentsOf: bytes[position...(position + 1)]) }
                position += 2
            case 0x20, 0x09, 0x0D, 0x0A:
                position += 1
            default:
                content.append(byte)
                position += 1
            }
        }
        throw error(.unterminatedDomainLiteral, at: open)
    }

    /// CR or LF: folding wherever it occurs in a quoted-string or domain literal.
    private static func isLineBreak(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A }

    // MARK: - CFWS

    /// Skips white space and comments; true when anything was skipped.
    @discardableResult
    mutating func skipCFWS() throws(AddressParseError) -> Bool {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if EncodedWords.isWhiteSpace(byte) {
                position += 1
            } else if byte == UInt8(ascii: "(") {
                try skipComment()
            } else {
                break
            }
        }
        return position != start
    }

    /// Skips a comment from its `(`, nested comments and quoted-pairs included, without recursion.
    private mutating func skipComment() throws(AddressParseError) {
        let open = position
        var depth = 0
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "("):
                depth += 1
                if depth > AddressList.maximumCommentDepth { throw error(.commentsTooDeep) }
                position += 1
            case UInt8(ascii: ")"):
                depth -= 1
                position += 1
                if depth == 0 { return }
            case UInt8(ascii: "\\"):
                position += 2
            default:
                position += 1
            }
        }
        throw error(.unterminatedComment, at: open)
    }
}
