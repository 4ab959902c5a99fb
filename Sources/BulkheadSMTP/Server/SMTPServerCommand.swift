/// One client command, parsed from a clean command line (RFC 5321 §4.1, with the ESMTP parameters
/// the server offers). Parsing knows only syntax; what is allowed when is the session's business.
///
/// ```swift
/// SMTPServerCommand.parse(Array("MAIL FROM:<a@example.org> SIZE=1200".utf8))
/// // .success(.mail(SMTPServerEnvelope(reversePath: "a@example.org", declaredSize: 1200)))
/// ```
enum SMTPServerCommand: Sendable, Hashable {
    case ehlo(String)
    case helo(String)
    /// The envelope it starts (no recipients yet).
    case mail(SMTPServerEnvelope)
    case rcpt(String)
    case data
    case rset
    case noop
    case quit
    case vrfy
    case help
    case startTLS
    /// The mechanism name (upper-cased) and the initial response, if given (`=` is an empty one).
    case auth(mechanism: String, initialResponse: [UInt8]?)
    /// A known command the server does not offer (EXPN, BDAT, ETRN, TURN).
    case notImplemented

    /// Parses a command line (without CRLF, already checked for faults and length). A refusal
    /// comes back as its reply.
    static func parse(_ line: [UInt8]) -> Result<SMTPServerCommand, SMTPServerRefusal> {
        guard let text = String(validating: line, as: UTF8.self) else { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.invalidUTF8)) }
        let verbEnd = text.utf8.firstIndex(of: UInt8(ascii: " ")) ?? text.utf8.endIndex
        let verb = String(text[..<verbEnd]).uppercased()
        let argument = text[verbEnd...].drop { $0 == " " }
        let trimmed = String(argument.reversed().drop { $0 == " " }.reversed())

        switch verb {
        case "EHLO", "HELO":
            guard !trimmed.isEmpty, !trimmed.contains(" ") else {
                return .failure(SMTPServerRefusal(reply: SMTPServerReplies.syntax("\(verb) hostname")))
            }
            return .success(verb == "EHLO" ? .ehlo(trimmed) : .helo(trimmed))
        case "MAIL":
            return parseMail(Array(trimmed.utf8))
        case "RCPT":
            return parseRecipient(Array(trimmed.utf8))
        case "DATA", "RSET", "QUIT", "STARTTLS":
            guard trimmed.isEmpty else { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.syntax(verb))) }
            switch verb {
            case "DATA": return .success(.data)
            case "RSET": return .success(.rset)
            case "QUIT": return .success(.quit)
            default: return .success(.startTLS)
            }
        case "NOOP":
            return .success(.noop)
        case "HELP":
            return .success(.help)
        case "VRFY":
            guard !trimmed.isEmpty else { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.syntax("VRFY address"))) }
            return .success(.vrfy)
        case "AUTH":
            let words = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard (1...2).contains(words.count) else {
                return .failure(SMTPServerRefusal(reply: SMTPServerReplies.syntax("AUTH mechanism [initial-response]")))
            }
            return .success(.auth(mechanism: words[0].uppercased(), initialResponse: words.count == 2 ? Array(words[1].utf8) : nil))
        case "EXPN", "BDAT", "ETRN", "TURN", "ATRN", "SEND", "SOML", "SAML":
            return .success(.notImplemented)
        default:
            return .failure(SMTPServerRefusal(reply: SMTPServerReplies.unrecognized))
        }
    }

    // MARK: MAIL and RCPT

    private static func parseMail(_ argument: [UInt8]) -> Result<SMTPServerCommand, SMTPServerRefusal> {
        guard let afterKeyword = afterPrefix("FROM:", of: argument) else {
            return .failure(SMTPServerRefusal(reply: SMTPServerReplies.syntax("MAIL FROM:<address>")))
        }
        let path: (address: String, rest: ArraySlice<UInt8>)
        switch parsePath(afterKeyword, allowsNull: true, allowsPostmaster: false) {
        case .success(let parsed): path = parsed
        case .failure(let error): return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badSender(error.why)))
        }
        var envelope = SMTPServerEnvelope(reversePath: path.address)
        var seen: Set<String> = []
        switch parameters(path.rest) {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let list):
            for (name, value) in list {
                guard seen.insert(name).inserted else {
                    return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badParameter("\(name) given twice")))
                }
                switch name {
                case "SIZE":
                    guard let value, (1...18).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                        let size = Int(value)
                    else { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badParameter("SIZE=\(value ?? "") is not a number"))) }
                    envelope.declaredSize = size
                case "BODY":
                    guard let value, let body = SMTPServerEnvelope.Body(rawValue: value.uppercased()) else {
                        return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badParameter("BODY must be 7BIT or 8BITMIME")))
                    }
                    envelope.body = body
                case "SMTPUTF8":
                    guard value == nil else { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badParameter("SMTPUTF8 takes no value"))) }
                    envelope.smtpUTF8 = true
                case "AUTH":
                    // RFC 4954 §5: the submitter's identity; a server may ignore it, and this one does
                    guard value != nil else { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badParameter("AUTH needs a value"))) }
                default:
                    return .failure(SMTPServerRefusal(reply: SMTPServerReplies.unsupportedParameter(name)))
                }
            }
        }
        return .success(.mail(envelope))
    }

    private static func parseRecipient(_ argument: [UInt8]) -> Result<SMTPServerCommand, SMTPServerRefusal> {
        guard let afterKeyword = afterPrefix("TO:", of: argument) else {
            return .failure(SMTPServerRefusal(reply: SMTPServerReplies.syntax("RCPT TO:<address>")))
        }
        switch parsePath(afterKeyword, allowsNull: false, allowsPostmaster: true) {
        case .failure(let error):
            return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badRecipient(error.why)))
        case .success(let path):
            switch parameters(path.rest) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let list):
                if let (name, _) = list.first { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.unsupportedParameter(name))) }
                return .success(.rcpt(path.address))
            }
        }
    }

    /// The bytes after `keyword` (matched case-insensitively) and any spaces, or nil.
    private static func afterPrefix(_ keyword: String, of argument: [UInt8]) -> ArraySlice<UInt8>? {
        let key = Array(keyword.utf8)
        guard argument.count >= key.count else { return nil }
        for (offset, byte) in key.enumerated() {
            let given = argument[offset]
            let lower = given >= 0x41 && given <= 0x5A ? given + 0x20 : given
            let expected = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            guard lower == expected else { return nil }
        }
        return argument[key.count...].drop { $0 == UInt8(ascii: " ") }
    }

    /// Parses `<path>` at the start of `bytes`: the address (source route dropped, RFC 5321 §4.1.2
    /// and appendix C) and what follows. Controls never; spaces only inside a quoted local part; a
    /// domain after the last `@`; at most 256 octets with the brackets (§4.5.3.1.3).
    static func parsePath(
        _ bytes: ArraySlice<UInt8>, allowsNull: Bool, allowsPostmaster: Bool
    ) -> Result<(address: String, rest: ArraySlice<UInt8>), PathError> {
        guard bytes.first == UInt8(ascii: "<") else { return .failure(PathError("the address must be in angle brackets")) }
        var index = bytes.startIndex + 1
        var quoted = false
        var escaped = false
        var close: Int?
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F { return .failure(PathError("control character")) }
            if escaped {
                escaped = false
            } else if quoted && byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted && byte == UInt8(ascii: " ") {
                return .failure(PathError("space outside quotes"))
            } else if !quoted && (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")) {
                if byte == UInt8(ascii: ">") {
                    close = index
                    break
                }
                return .failure(PathError("'<' inside the address"))
            }
            index += 1
        }
        guard let close else { return .failure(PathError("missing '>'")) }
        guard close - bytes.startIndex + 1 <= 256 else { return .failure(PathError("longer than 256 octets")) }
        var content = bytes[(bytes.startIndex + 1)..<close]
        let rest = bytes[(close + 1)...]
        if let first = rest.first, first != UInt8(ascii: " ") { return .failure(PathError("text right after '>'")) }
        if content.first == UInt8(ascii: "@") {
            guard let colon = content.firstIndex(of: UInt8(ascii: ":")) else { return .failure(PathError("malformed source route")) }
            content = content[(colon + 1)...]
        }
        let address = String(decoding: content, as: UTF8.self)
        if content.isEmpty {
            return allowsNull ? .success(("", rest)) : .failure(PathError("empty address"))
        }
        if allowsPostmaster && address.lowercased() == "postmaster" { return .success((address, rest)) }
        guard let at = content.lastIndex(of: UInt8(ascii: "@")), at > content.startIndex, at < content.endIndex - 1 else {
            return .failure(PathError("not local-part@domain"))
        }
        for byte in content[(at + 1)...] where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            return .failure(PathError("invalid character in the domain"))
        }
        return .success((address, rest))
    }

    /// Why a path is malformed, for the reply.
    struct PathError: Error, Sendable, Hashable {
        var why: String
        init(_ why: String) { self.why = why }
    }

    /// The `KEY[=VALUE]` parameters after a path, names upper-cased.
    private static func parameters(_ bytes: ArraySlice<UInt8>) -> Result<[(String, String?)], SMTPServerRefusal> {
        var list: [(String, String?)] = []
        for word in bytes.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true) {
            let text = String(decoding: word, as: UTF8.self)
            if let equals = text.firstIndex(of: "=") {
                let name = String(text[..<equals]).uppercased()
                guard !name.isEmpty else { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.badParameter("empty parameter name"))) }
                list.append((name, String(text[text.index(after: equals)...])))
            } else {
                list.append((text.uppercased(), nil))
            }
        }
        return .success(list)
    }
}
