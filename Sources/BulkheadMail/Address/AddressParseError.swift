/// Why an address, mailbox or address list could not be parsed, and where.
///
/// ```swift
/// do { _ = try AddressList.parse("Ann <ann@example.com") }
/// catch { print(error) } // "offset 4: missing closing angle bracket"
/// ```
public struct AddressParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The specific problem.
    public enum Reason: Sendable, Hashable {
        /// The input is longer than ``AddressList/maximumInputLength`` octets (the count is given).
        case inputTooLong(Int)
        /// A `"` without its closing quote; the offset is that of the opening quote.
        case unterminatedQuotedString
        /// A `(` without its closing parenthesis; the offset is that of the opening one.
        case unterminatedComment
        /// Comments nested deeper than ``AddressList/maximumCommentDepth``.
        case commentsTooDeep
        /// A `[` without its closing bracket; the offset is that of the opening one.
        case unterminatedDomainLiteral
        /// Text that should be an address has no `@`.
        case missingAt
        /// A `<` without its `>`; the offset is that of the `<`.
        case missingClosingAngle
        /// Nothing (or only `""`) before the `@`.
        case emptyLocalPart
        /// No address where one is required: empty input, or `<>`.
        case emptyAddress
        /// The domain is not a valid domain name.
        case invalidDomain(DomainError)
        /// A character that cannot stand here.
        case unexpectedCharacter(Character)
        /// A group inside a group.
        case nestedGroup
        /// A group where a single mailbox is required.
        case groupNotAllowed
    }

    /// The UTF-8 byte offset in the input where the problem is.
    public var offset: Int
    /// What the problem is.
    public var reason: Reason

    /// Makes an error at `offset` for `reason`.
    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    /// `offset N: reason`, for example `offset 12: unterminated quoted string`.
    public var description: String {
        let text: String =
            switch reason {
            case .inputTooLong(let octets): "input of \(octets) octets is longer than \(AddressList.maximumInputLength)"
            case .unterminatedQuotedString: "unterminated quoted string"
            case .unterminatedComment: "unterminated comment"
            case .commentsTooDeep: "comments nested deeper than \(AddressList.maximumCommentDepth)"
            case .unterminatedDomainLiteral: "unterminated domain literal"
            case .missingAt: "missing @ in address"
            case .missingClosingAngle: "missing closing angle bracket"
            case .emptyLocalPart: "empty local part"
            case .emptyAddress: "empty address"
            case .invalidDomain(let error): "invalid domain: \(error)"
            case .unexpectedCharacter(let character): "unexpected character \(character.debugDescription)"
            case .nestedGroup: "group inside a group"
            case .groupNotAllowed: "a group where a single mailbox is required"
            }
        return "offset \(offset): \(text)"
    }
}
