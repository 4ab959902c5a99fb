/// Why a ``MessageCopy`` could not be made or changed. Offsets are byte offsets into the message as given.
public enum MessageCopyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message is larger than ``MIMEParser/Limits/maxMessageBytes``.
    case messageTooLarge(limit: Int)
    /// A line of the header section ends in LF without CR (SMTP delivers CRLF lines only).
    case bareLineFeed(offset: Int)
    /// A CR in the header section that does not end a line.
    case bareCarriageReturn(offset: Int)
    /// A NUL octet in the header section.
    case nulInHeader(offset: Int)
    /// The data ends inside a header line (no CRLF after it).
    case unterminatedHeaderLine(offset: Int)
    /// A line of the header section starts with white space, but no field precedes it.
    case continuationWithoutField(offset: Int)
    /// A line of the header section holds no colon, so it is not a header field.
    case headerLineWithoutColon(offset: Int)
    /// A field name is empty or holds an octet outside printable US-ASCII.
    case invalidFieldName(offset: Int)
    /// A header line is longer than ``MIMEParser/Limits/maxHeaderLineBytes`` octets.
    case headerLineTooLong(offset: Int, limit: Int)
    /// The header section has more than ``MIMEParser/Limits/maxHeaderFields`` fields.
    case tooManyHeaderFields(offset: Int, limit: Int)
    /// The header section is longer than ``MIMEParser/Limits/maxHeaderSectionBytes`` octets.
    case headerSectionTooLarge(limit: Int)
    /// A field to write was refused (CR, LF or NUL in an address, or a line that cannot be folded).
    case build(MessageBuildError)

    public var description: String {
        switch self {
        case .messageTooLarge(let limit): return "the message is larger than \(limit) bytes"
        case .bareLineFeed(let offset): return "header section: LF without CR at byte \(offset) (CRLF line ends are required)"
        case .bareCarriageReturn(let offset): return "header section: CR without LF at byte \(offset)"
        case .nulInHeader(let offset): return "header section: NUL at byte \(offset)"
        case .unterminatedHeaderLine(let offset): return "header section: the line at byte \(offset) has no CRLF"
        case .continuationWithoutField(let offset): return "header section: continuation line at byte \(offset) has no field before it"
        case .headerLineWithoutColon(let offset): return "header section: line at byte \(offset) is not a header field (no colon)"
        case .invalidFieldName(let offset): return "header section: invalid field name at byte \(offset)"
        case .headerLineTooLong(let offset, let limit): return "header section: line at byte \(offset) is longer than \(limit) bytes"
        case .tooManyHeaderFields(let offset, let limit): return "header section: more than \(limit) fields (at byte \(offset))"
        case .headerSectionTooLarge(let limit): return "header section: longer than \(limit) bytes"
        case .build(let error): return error.description
        }
    }
}
