/// Why a message could not be built. Every case names the offending input.
public enum MessageBuildError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A header field was refused (bad name, or CR/LF/NUL in a value).
    case header(HeaderError)
    /// A caller-supplied text (`field` says which) holds a CR, LF or NUL at this UTF-8 offset.
    case forbiddenCharacter(field: String, offset: Int)
    /// A header line would exceed 998 octets because a run of text holds no white space to fold at.
    case headerLineTooLong(name: String)
    /// A custom header uses a name the builder writes itself (From, Subject, Content-Type, ...).
    case reservedHeaderName(String)
    /// A media type is not `type/subtype` made of RFC 2045 token characters.
    case invalidMediaType(String)
    /// A Content-ID or Message-ID part is empty or holds characters outside `dot-atom-text`.
    case invalidIdentifier(field: String, value: String)
    /// The message has no From mailbox.
    case missingFrom
    /// The caller's random generator kept producing boundaries that occur in the content.
    case boundaryCollision
    /// A streamed attachment source failed (or misbehaved); the underlying error's description.
    case attachmentSource(index: Int, reason: String)
    /// The byte sink of a streaming write failed; the underlying error's description.
    case sinkFailed(reason: String)
    /// An address could not be written (`field` says which header).
    case invalidAddress(field: String, reason: String)

    /// A readable explanation naming the offending input.
    public var description: String {
        switch self {
        case .header(let error): return error.description
        case .forbiddenCharacter(let field, let offset):
            return "\(field): CR, LF or NUL at offset \(offset) (header injection refused)"
        case .headerLineTooLong(let name):
            return "header \(name): a line would exceed 998 octets (no white space to fold at)"
        case .reservedHeaderName(let name):
            return "header \(name) is written by the message builder and cannot be set as a custom header"
        case .invalidMediaType(let type):
            return "invalid media type \"\(type)\": expected type/subtype made of token characters"
        case .invalidIdentifier(let field, let value):
            return "invalid \(field) \"\(value)\": expected dot-atom text"
        case .missingFrom:
            return "the message has no From mailbox"
        case .boundaryCollision:
            return "could not find a MIME boundary absent from the content"
        case .attachmentSource(let index, let reason):
            return "streamed attachment \(index): \(reason)"
        case .sinkFailed(let reason):
            return "writing the message failed: \(reason)"
        case .invalidAddress(let field, let reason):
            return "\(field): \(reason)"
        }
    }
}
