// The replies the server sends, and their wire form.

extension SMTPReply {
    /// The reply as the server writes it: `ddd-text` CRLF for every line but the last, `ddd text`
    /// CRLF for the last. Controls in the text (a delegate's reply, an echoed name) become `?`, so a
    /// reply can never carry a line break; each line is cut to fit in 512 octets.
    ///
    /// ```swift
    /// SMTPReply(code: 250, lines: ["mx.test", "PIPELINING"]).serverBytes   // "250-mx.test\r\n250 PIPELINING\r\n"
    /// ```
    public var serverBytes: [UInt8] {
        var bytes: [UInt8] = []
        for (index, line) in lines.enumerated() {
            bytes += Array(String(code).utf8)
            bytes.append(index == lines.count - 1 ? UInt8(ascii: " ") : UInt8(ascii: "-"))
            var text = Array(line.utf8.prefix(SMTPReplyParser.maximumLineLength - 6))
            for offset in text.indices where text[offset] < 0x20 || text[offset] == 0x7F {
                text[offset] = UInt8(ascii: "?")
            }
            bytes += text
            bytes += [0x0D, 0x0A]
        }
        return bytes
    }
}

/// The server's fixed replies.
enum SMTPServerReplies {
    static func reply(_ code: Int, _ text: String) -> SMTPReply {
        SMTPReply(code: code, lines: [text])
    }

    static let ok = reply(250, "2.0.0 Ok")
    static let senderOK = reply(250, "2.1.0 Ok")
    static let recipientOK = reply(250, "2.1.5 Ok")
    static let queued = reply(250, "2.0.0 Ok: queued")
    static let startData = reply(354, "End data with <CR><LF>.<CR><LF>")
    static let readyForTLS = reply(220, "2.0.0 Ready to start TLS")
    static let authenticated = reply(235, "2.7.0 Authentication successful")
    static let help = reply(214, "2.0.0 See RFC 5321")
    static let cannotVerify = reply(252, "2.5.0 Cannot VRFY user; try RCPT to attempt delivery")

    static let localError = reply(451, "4.3.0 Requested action aborted: local error in processing")
    static let authUnavailable = reply(454, "4.7.0 Temporary authentication failure")
    static let tooManyRecipients = reply(452, "4.5.3 Too many recipients")

    static let lineTooLong = reply(500, "5.5.2 Line too long (at most 512 octets with CRLF)")
    static let bareLFInCommand = reply(500, "5.5.2 Syntax error: bare LF (lines must end with CRLF)")
    static let bareCRInCommand = reply(500, "5.5.2 Syntax error: bare CR (lines must end with CRLF)")
    static let nulInCommand = reply(500, "5.5.2 Syntax error: NUL octet")
    static let invalidUTF8 = reply(500, "5.5.2 Syntax error: invalid UTF-8")
    static let unrecognized = reply(500, "5.5.2 Command unrecognized")
    static let notImplemented = reply(502, "5.5.1 Command not implemented")
    static let helloFirst = reply(503, "5.5.1 Send EHLO or HELO first")
    static let parametersNeedEHLO = reply(555, "5.5.4 MAIL parameters need EHLO")
    static let nestedMail = reply(503, "5.5.1 Nested MAIL command")
    static let mailFirst = reply(503, "5.5.1 Send MAIL first")
    static let noRecipients = reply(554, "5.5.1 No valid recipients")
    static let alreadyAuthenticated = reply(503, "5.5.1 Already authenticated")
    static let authInTransaction = reply(503, "5.5.1 AUTH not allowed during a mail transaction")
    static let authNeedsEHLO = reply(503, "5.5.1 Send EHLO first")
    static let tlsAlreadyActive = reply(503, "5.5.1 TLS already active")
    static let tlsInTransaction = reply(503, "5.5.1 STARTTLS not allowed during a mail transaction")
    static let authNeedsTLS = reply(538, "5.7.11 Encryption required for requested authentication mechanism")
    static let authFailed = reply(535, "5.7.8 Authentication credentials invalid")
    static let authCancelled = reply(501, "5.0.0 Authentication cancelled")
    static let badBase64 = reply(501, "5.5.2 Cannot decode response")
    static let badPlainResponse = reply(501, "5.5.2 Malformed PLAIN response")
    static let unknownMechanism = reply(504, "5.5.4 Unrecognized authentication mechanism")
    static let startTLSInjection = reply(554, "5.7.0 Commands were pipelined after STARTTLS; closing connection")
    static let messageTooBig = reply(552, "5.3.4 Message size exceeds fixed maximum message size")
    static let dataBareLF = reply(550, "5.6.0 Message refused: bare LF in DATA (lines must end with CRLF; possible SMTP smuggling)")
    static let dataBareCR = reply(550, "5.6.0 Message refused: bare CR in DATA (lines must end with CRLF; possible SMTP smuggling)")
    static let dataNUL = reply(550, "5.6.0 Message refused: NUL octet in DATA")
    static let dataLineTooLong = reply(500, "5.5.2 Message refused: line longer than 998 octets")
    static let smtpUTF8Required = reply(553, "5.6.7 Non-ASCII address requires SMTPUTF8")

    static func syntax(_ usage: String) -> SMTPReply { reply(501, "5.5.4 Syntax: \(usage)") }
    static func badSender(_ why: String) -> SMTPReply { reply(501, "5.1.7 Bad sender address syntax: \(why)") }
    static func badRecipient(_ why: String) -> SMTPReply { reply(501, "5.1.3 Bad recipient address syntax: \(why)") }
    static func unsupportedParameter(_ name: String) -> SMTPReply { reply(555, "5.5.4 Unsupported parameter \(name)") }
    static func badParameter(_ why: String) -> SMTPReply { reply(501, "5.5.4 Invalid parameter: \(why)") }

    static func greeting(_ host: String) -> SMTPReply { reply(220, "\(host) ESMTP Bulkhead") }
    static func bye(_ host: String) -> SMTPReply { reply(221, "2.0.0 \(host) closing connection") }
    static func timeout(_ host: String) -> SMTPReply { reply(421, "4.4.2 \(host) Timeout exceeded, closing connection") }
    static func shuttingDown(_ host: String) -> SMTPReply { reply(421, "4.3.2 \(host) Service shutting down, closing connection") }
    static func tooManyCommands(_ host: String) -> SMTPReply { reply(421, "4.7.0 \(host) Too many commands, closing connection") }
    static func tooManyErrors(_ host: String) -> SMTPReply { reply(421, "4.7.0 \(host) Too many errors, closing connection") }
    static func tooManyConnections(_ host: String) -> SMTPReply { reply(421, "4.7.0 \(host) Too many connections, try again later") }
    static func tooManyConnectionsFromClient(_ host: String) -> SMTPReply {
        reply(421, "4.7.0 \(host) Too many connections from your address, try again later")
    }
}
