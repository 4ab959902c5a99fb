/// Why ``MIMEParser`` or ``HeaderSectionParser`` refused a message.
///
/// Every case names the limit or the reason, and the byte `offset` in the input where the problem
/// was found (for a parse of an `ArraySlice`, the offset is an index of that slice).
public enum MIMEParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is longer than ``MIMEParser/Limits/maxMessageBytes``.
    case messageTooLarge(size: Int, limit: Int)
    /// One physical header line (without its line break) is longer than
    /// ``MIMEParser/Limits/maxHeaderLineBytes``; `offset` is where the line starts.
    case headerLineTooLong(offset: Int, limit: Int)
    /// One header field, unfolded, is longer than ``MIMEParser/Limits/maxHeaderFieldBytes``;
    /// `offset` is where the field starts.
    case headerFieldTooLong(offset: Int, limit: Int)
    /// One header section holds more than ``MIMEParser/Limits/maxHeaderFields`` fields;
    /// `offset` is where the first field over the limit starts.
    case tooManyHeaderFields(offset: Int, limit: Int)
    /// One header section is longer than ``MIMEParser/Limits/maxHeaderSectionBytes``;
    /// `offset` is where the section starts.
    case headerSectionTooLarge(offset: Int, limit: Int)
    /// Multiparts and embedded messages are nested deeper than ``MIMEParser/Limits/maxDepth``;
    /// `offset` is where the entity over the limit starts.
    case nestingTooDeep(offset: Int, limit: Int)
    /// The message holds more entities (parts, embedded messages, field blocks) than
    /// ``MIMEParser/Limits/maxParts``; `offset` is where the entity over the limit starts.
    case tooManyParts(offset: Int, limit: Int)
    /// A `multipart/*` entity whose `Content-Type` has no `boundary` parameter; `offset` is where
    /// the entity starts.
    case missingBoundaryParameter(offset: Int)
    /// A `boundary` parameter that is empty or longer than 998 octets (RFC 2046 allows 1 to 70).
    case invalidBoundary(offset: Int, length: Int)
    /// A base64 body that cannot be decoded. `offset` is the absolute offset of the offending
    /// octet in the input, `partOffset` the same position counted from the start of the part's body.
    case invalidBase64(offset: Int, partOffset: Int, reason: Base64Failure)

    /// A sentence naming the problem and where it is.
    public var description: String {
        switch self {
        case .messageTooLarge(let size, let limit):
            return "message of \(size) octets is larger than the limit of \(limit) octets"
        case .headerLineTooLong(let offset, let limit):
            return "header line at offset \(offset) is longer than the limit of \(limit) octets"
        case .headerFieldTooLong(let offset, let limit):
            return "header field at offset \(offset) is longer, unfolded, than the limit of \(limit) octets"
        case .tooManyHeaderFields(let offset, let limit):
            return "header section has more than \(limit) fields (field at offset \(offset))"
        case .headerSectionTooLarge(let offset, let limit):
            return "header section starting at offset \(offset) is longer than the limit of \(limit) octets"
        case .nestingTooDeep(let offset, let limit):
            return "entity at offset \(offset) is nested deeper than the limit of \(limit) levels"
        case .tooManyParts(let offset, let limit):
            return "message has more than \(limit) parts (part at offset \(offset))"
        case .missingBoundaryParameter(let offset):
            return "multipart entity at offset \(offset) has no boundary parameter"
        case .invalidBoundary(let offset, let length):
            return "multipart entity at offset \(offset) has a boundary of \(length) octets (must be 1 to 998)"
        case .invalidBase64(let offset, let partOffset, let reason):
            return "invalid base64 at offset \(offset) (offset \(partOffset) in the part body): \(reason)"
        }
    }
}

/// Why a base64 body could not be decoded (strict decoding, see ``MIMEParser/Base64Policy``).
public enum Base64Failure: Sendable, Hashable, CustomStringConvertible {
    /// An octet that is not in the base64 alphabet, not `=` and not white space.
    case invalidCharacter(UInt8)
    /// The data ends inside a 4-character group (a missing final group or missing `=` padding).
    case truncated
    /// Padding in the wrong place (`=` in the first two positions of a group) or not closing a group.
    case badPadding
    /// Base64 characters after the padding that ends the data.
    case dataAfterPadding

    /// A sentence naming the problem and where it is.
    public var description: String {
        switch self {
        case .invalidCharacter(let byte):
            return "octet 0x\(String(byte, radix: 16, uppercase: true)) is not a base64 character"
        case .truncated: return "data ends inside a 4-character group (truncated)"
        case .badPadding: return "misplaced '=' padding"
        case .dataAfterPadding: return "data after the final '=' padding"
        }
    }
}

/// Something wrong but tolerated in a parsed entity; the parser records it and goes on.
public enum MIMEDefect: Sendable, Hashable, CustomStringConvertible {
    /// A header line without a colon (or a continuation line before any field); it was skipped.
    case headerLineWithoutColon(offset: Int)
    /// A header line whose name is empty, longer than 998 octets or holds octets outside
    /// printable US-ASCII; it was skipped.
    case invalidHeaderFieldName(offset: Int)
    /// A CR not followed by LF, or a NUL, inside a header field; each was replaced by a space.
    case forbiddenOctetInHeader(offset: Int)
    /// A `Content-Type` that could not be parsed; the entity was read as `text/plain`.
    case invalidContentType(String)
    /// A multipart whose closing boundary is missing; its last part ends at the end of the data.
    case missingFinalBoundary(offset: Int)
    /// A multipart in which no boundary line was found; the whole body is its preamble.
    case noBoundaryFound(offset: Int)
    /// A `Content-Transfer-Encoding` that is not 7bit, 8bit, binary, quoted-printable or base64;
    /// the body was kept undecoded.
    case unknownTransferEncoding(String)
    /// A quoted-printable `=` not followed by two hex digits or a line break; kept literally.
    case invalidQuotedPrintable(offset: Int)
    /// Base64 that strict decoding refuses, decoded leniently (``MIMEParser/Base64Policy/lenient``).
    case invalidBase64(offset: Int, reason: Base64Failure)
    /// A `message/rfc822` or `message/global` body with a base64 or quoted-printable transfer
    /// encoding (forbidden by RFC 2046); it was decoded and kept as a leaf.
    case encodedEmbeddedMessage(offset: Int)

    /// A sentence naming the problem and where it is.
    public var description: String {
        switch self {
        case .headerLineWithoutColon(let offset): return "header line without colon at offset \(offset) skipped"
        case .invalidHeaderFieldName(let offset): return "invalid header field name at offset \(offset) skipped"
        case .forbiddenOctetInHeader(let offset): return "CR or NUL in header at offset \(offset) replaced by a space"
        case .invalidContentType(let value): return "unparsable Content-Type \"\(value)\" read as text/plain"
        case .missingFinalBoundary(let offset): return "multipart at offset \(offset) has no closing boundary"
        case .noBoundaryFound(let offset): return "multipart at offset \(offset) has no boundary line"
        case .unknownTransferEncoding(let name): return "unknown Content-Transfer-Encoding \"\(name)\" kept undecoded"
        case .invalidQuotedPrintable(let offset): return "invalid quoted-printable escape at offset \(offset) kept literally"
        case .invalidBase64(let offset, let reason): return "invalid base64 at offset \(offset) decoded leniently: \(reason)"
        case .encodedEmbeddedMessage(let offset): return "transfer-encoded embedded message at offset \(offset) kept as a leaf"
        }
    }
}
