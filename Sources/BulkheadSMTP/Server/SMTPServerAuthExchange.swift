import BulkheadMail

/// The server side of AUTH PLAIN and AUTH LOGIN (RFC 4954, RFC 4616): prompts with `334`, decodes
/// the client's base64 responses and yields the credentials for the delegate to check. `*` cancels.
///
/// ```swift
/// SMTPServerAuthExchange.begin(.plain, initialResponse: Array("AGFkYQBzZWNyZXQ=".utf8))
/// // .credentials(SMTPServerCredentials(mechanism: .plain, username: "ada", password: "secret"))
/// ```
struct SMTPServerAuthExchange: Sendable, Hashable {
    /// What comes next.
    enum Next: Sendable, Hashable {
        /// Send this `334` prompt and wait for the client's response line.
        case prompt(SMTPServerAuthExchange, SMTPReply)
        /// The client gave its credentials: ask the delegate.
        case credentials(SMTPServerCredentials)
        /// The exchange ended with this refusal.
        case failed(SMTPReply)
    }

    private enum Step: Sendable, Hashable {
        case plainResponse
        case loginUsername
        case loginPassword(username: String)
    }

    private let step: Step

    private static let usernamePrompt = SMTPReply(code: 334, lines: ["VXNlcm5hbWU6"])  // "Username:"
    private static let passwordPrompt = SMTPReply(code: 334, lines: ["UGFzc3dvcmQ6"])  // "Password:"

    /// Starts `mechanism`, with the initial response of the AUTH command if there was one.
    static func begin(_ mechanism: SMTPServerAuthMechanism, initialResponse: [UInt8]?) -> Next {
        switch mechanism {
        case .plain:
            let exchange = SMTPServerAuthExchange(step: .plainResponse)
            guard let initialResponse else { return .prompt(exchange, SMTPReply(code: 334, lines: [""])) }
            return exchange.responseReceived(initialResponse)
        case .login:
            let exchange = SMTPServerAuthExchange(step: .loginUsername)
            guard let initialResponse else { return .prompt(exchange, usernamePrompt) }
            return exchange.responseReceived(initialResponse)
        }
    }

    /// The client's response line (base64, `=` for empty, `*` to cancel).
    func responseReceived(_ line: [UInt8]) -> Next {
        if line == [UInt8(ascii: "*")] { return .failed(SMTPServerReplies.authCancelled) }
        guard let decoded = Self.decode(line) else { return .failed(SMTPServerReplies.badBase64) }
        switch step {
        case .plainResponse:
            // authzid NUL authcid NUL passwd (RFC 4616 §2)
            let parts = decoded.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[1].isEmpty, !parts[2].contains(0),
                let authorization = String(validating: parts[0], as: UTF8.self),
                let username = String(validating: parts[1], as: UTF8.self),
                let password = String(validating: parts[2], as: UTF8.self)
            else { return .failed(SMTPServerReplies.badPlainResponse) }
            return .credentials(
                SMTPServerCredentials(mechanism: .plain, authorizationIdentity: authorization, username: username, password: password))
        case .loginUsername:
            guard !decoded.isEmpty, !decoded.contains(0), let username = String(validating: decoded, as: UTF8.self) else {
                return .failed(SMTPServerReplies.badBase64)
            }
            return .prompt(SMTPServerAuthExchange(step: .loginPassword(username: username)), Self.passwordPrompt)
        case .loginPassword(let username):
            guard !decoded.contains(0), let password = String(validating: decoded, as: UTF8.self) else {
                return .failed(SMTPServerReplies.badBase64)
            }
            return .credentials(SMTPServerCredentials(mechanism: .login, username: username, password: password))
        }
    }

    /// Strict base64 on one line; `=` alone is the empty response (RFC 4954 §4).
    private static func decode(_ line: [UInt8]) -> [UInt8]? {
        if line == [UInt8(ascii: "=")] { return [] }
        guard !line.isEmpty, !line.contains(where: { $0 == 0x20 || $0 == 0x09 }) else { return nil }
        return try? Base64Decoder.decode(line)
    }
}
