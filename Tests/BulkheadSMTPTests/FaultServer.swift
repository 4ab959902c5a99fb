import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A scriptable SMTP server for tests (loopback only): it speaks enough ESMTP for the client and
/// can answer chosen replies at chosen steps, drop the connection, stall, or misbehave around
/// STARTTLS. It records every message it accepted.
final class FaultServer: Sendable {
    /// Where the server can be told to misbehave.
    enum Step: Hashable, Sendable { case greeting, ehlo, startTLS, mail, rcpt, data, body, endOfData, rset }

    /// What the server does at a step; `argument` is the command's argument (recipient, …).
    enum Reaction: Sendable {
        /// The normal reply.
        case normal
        /// Send this raw text (CRLF added).
        case reply(String)
        /// Send these raw bytes as they are.
        case raw(String)
        /// Close the connection without a reply.
        case drop
        /// Never answer again.
        case stall
        /// Answer this text (CRLF added) after the delay, reading nothing meanwhile (what arrives
        /// waits); a 421 closes the connection after it. A 2xx at the end of data accepts the message.
        case later(Duration, String)
    }

    struct Script: Sendable {
        var extensions = ["PIPELINING", "8BITMIME", "SIZE 10000000", "ENHANCEDSTATUSCODES"]
        var offerSTARTTLS = false
        var tls: NIOSSLContext?
        /// AUTH mechanisms to offer (e.g. ["PLAIN", "LOGIN"]) and the one valid user name and password.
        var authMechanisms: [String] = []
        var account = ("user", "secret")
        var react: @Sendable (Step, String) -> Reaction = { _, _ in .normal }
    }

    struct Received: Sendable, Hashable {
        var mailFrom: String
        var recipients: [String]
        var data: [UInt8]
        var overTLS: Bool
    }

    struct Log: Sendable {
        var connections = 0
        var commands: [String] = []
        var received: [Received] = []
        var authenticated: [String] = []
        /// For each `.later` reply: what had arrived and waited unread when it was sent.
        var waitingAtLaterReply: [String] = []
    }

    let port: Int
    private let channel: any Channel
    let log: Mutex<Log>

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
        self.log = Mutex(Log())
    }

    var snapshot: Log { log.withLock { $0 } }

    static func start(_ script: Script) async throws -> FaultServer {
        let box = LogBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FaultSessionHandler(script: script, box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw FaultServerError.noPort }
        let server = FaultServer(channel: channel, port: port)
        box.server.withLock { $0 = server }
        return server
    }

    func stop() async {
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }
}

enum FaultServerError: Error { case noPort }

/// Lets child handlers reach the server's log (set once the server is bound).
final class LogBox: Sendable {
    let server = Mutex<FaultServer?>(nil)
    func update(_ body: (inout FaultServer.Log) -> Void) {
        server.withLock { server in server?.log.withLock { body(&$0) } }
    }
}

/// One server-side SMTP session.
final class FaultSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let script: FaultServer.Script
    private let box: LogBox
    private var buffer: [UInt8] = []
    private var inData = false
    private var stalled = false
    /// A `.later` reply is pending: nothing is read until it is sent.
    private var paused = false
    private var tlsActive = false
    private var mailFrom: String?
    private var recipients: [String] = []
    private enum Login {
        case none, username
        case password(String)
    }
    private var login = Login.none

    init(script: FaultServer.Script, box: LogBox) {
        self.script = script
        self.box = box
    }

    func channelActive(context: ChannelHandlerContext) {
        box.update { $0.connections += 1 }
        respond(context, .greeting, "", normal: "220 fault.test ESMTP")
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !stalled else { return }
        var incoming = unwrapInboundIn(data)
        buffer += incoming.readBytes(length: incoming.readableBytes) ?? []
        process(context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func process(_ context: ChannelHandlerContext) {
        while !stalled && !paused && context.channel.isActive {
            if inData {
                if !buffer.isEmpty, case .drop = script.react(.body, "") {
                    // drop as soon as body bytes arrive, before the end of data is seen
                    context.close(promise: nil)
                    stalled = true
                    return
                }
                guard let end = Self.endOfData(buffer) else { return }
                let raw = Array(buffer[..<end.bodyEnd])
                buffer.removeFirst(end.next)
                inData = false
                let message = Self.unstuff(raw)
                let reaction = script.react(.endOfData, String(decoding: message, as: UTF8.self))
                if Self.accepts(reaction), let from = mailFrom {
                    let received = FaultServer.Received(mailFrom: from, recipients: recipients, data: message, overTLS: tlsActive)
                    box.update { $0.received.append(received) }
                }
                mailFrom = nil
                recipients = []
                respond(context, .endOfData, "", normal: "250 2.0.0 Ok: queued", reaction: reaction)
                continue
            }
            guard let crlf = Self.find([0x0D, 0x0A], in: buffer) else { return }
            let line = String(decoding: buffer[..<crlf], as: UTF8.self)
            buffer.removeFirst(crlf + 2)
            box.update { $0.commands.append(line) }
            switch login {
            case .none: command(context, line)
            case .username:
                login = .password(Self.base64(line))
                write(context, "334 UGFzc3dvcmQ6\r\n")
            case .password(let user):
                login = .none
                authenticate(context, user: user, password: Self.base64(line))
            }
        }
    }

    private func command(_ context: ChannelHandlerContext, _ line: String) {
        let upper = line.uppercased()
        if upper.hasPrefix("EHLO") {
            var lines = ["fault.test"] + script.extensions
            if script.offerSTARTTLS && !tlsActive { lines.append("STARTTLS") }
            if !script.authMechanisms.isEmpty { lines.append("AUTH " + script.authMechanisms.joined(separator: " ")) }
            let text = lines.enumerated().map { index, text in
                "250" + (index == lines.count - 1 ? " " : "-") + text
            }.joined(separator: "\r\n")
            respond(context, .ehlo, "", normal: text)
        } else if upper.hasPrefix("HELO") {
            respond(context, .ehlo, "", normal: "250 fault.test")
        } else if upper == "STARTTLS" {
            let reaction = script.react(.startTLS, "")
            respond(context, .startTLS, "", normal: "220 2.0.0 Ready to start TLS", reaction: reaction)
            if case .normal = reaction, let tls = script.tls {
                do {
                    try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                    tlsActive = true
                } catch {
                    context.close(promise: nil)
                }
            }
        } else if upper.hasPrefix("AUTH PLAIN ") {
            let parts = Self.base64(String(line.dropFirst(11))).split(separator: "\0", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return write(context, "501 5.5.2 bad PLAIN\r\n") }
            authenticate(context, user: String(parts[1]), password: String(parts[2]))
        } else if upper == "AUTH LOGIN" {
            login = .username
            write(context, "334 VXNlcm5hbWU6\r\n")
        } else if upper.hasPrefix("MAIL FROM:") {
            let argument = Self.angleArgument(line)
            let reaction = script.react(.mail, argument)
            if case .normal = reaction { mailFrom = argument }
            respond(context, .mail, argument, normal: "250 2.1.0 Ok", reaction: reaction)
        } else if upper.hasPrefix("RCPT TO:") {
            let argument = Self.angleArgument(line)
            let reaction = script.react(.rcpt, argument)
            if case .normal = reaction, mailFrom != nil { recipients.append(argument) }
            respond(context, .rcpt, argument, normal: mailFrom == nil ? "503 5.5.1 need MAIL" : "250 2.1.5 Ok", reaction: reaction)
        } else if upper == "DATA" {
            let reaction = script.react(.data, "")
            if case .normal = reaction, mailFrom != nil, !recipients.isEmpty {
                inData = true
                respond(context, .data, "", normal: "354 End data with <CR><LF>.<CR><LF>")
            } else {
                respond(context, .data, "", normal: "554 5.5.1 no valid recipients", reaction: reaction)
            }
        } else if upper == "RSET" {
            mailFrom = nil
            recipients = []
            respond(context, .rset, "", normal: "250 2.0.0 Ok")
        } else if upper == "QUIT" {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "221 2.0.0 Bye\r\n")), promise: nil)
            context.close(promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "502 5.5.2 unknown\r\n")), promise: nil)
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, _ step: FaultServer.Step, _ argument: String, normal: String,
        reaction: FaultServer.Reaction? = nil
    ) {
        switch reaction ?? script.react(step, argument) {
        case .normal: write(context, normal + "\r\n")
        case .reply(let text): write(context, text + "\r\n")
        case .raw(let text): write(context, text)
        case .drop:
            stalled = true
            context.close(promise: nil)
        case .stall:
            stalled = true
        case .later(let delay, let text):
            paused = true
            context.eventLoop.assumeIsolated().scheduleTask(
                in: .nanoseconds(Int64(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000))
            ) { [self] in
                let waiting = String(decoding: buffer, as: UTF8.self)
                box.update { $0.waitingAtLaterReply.append(waiting) }
                write(context, text + "\r\n")
                if text.hasPrefix("421") {
                    stalled = true
                    context.close(promise: nil)
                    return
                }
                paused = false
                process(context)
            }
        }
    }

    /// True when the reaction accepts (the normal reply, or a later 2xx).
    private static func accepts(_ reaction: FaultServer.Reaction) -> Bool {
        switch reaction {
        case .normal: true
        case .later(_, let text): text.hasPrefix("2")
        case .reply, .raw, .drop, .stall: false
        }
    }

    private func authenticate(_ context: ChannelHandlerContext, user: String, password: String) {
        if (user, password) == script.account {
            box.update { $0.authenticated.append(user) }
            write(context, "235 2.7.0 Authentication successful\r\n")
        } else {
            write(context, "535 5.7.8 Authentication credentials invalid\r\n")
        }
    }

    private static func base64(_ text: String) -> String {
        Data(base64Encoded: text).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private func write(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
    }

    private static func angleArgument(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return "" }
        return String(line[line.index(after: open)..<close])
    }

    /// Where the DATA terminator is: the body ends before ".\r\n" (which follows a CRLF or starts the data).
    private static func endOfData(_ bytes: [UInt8]) -> (bodyEnd: Int, next: Int)? {
        if bytes.starts(with: [0x2E, 0x0D, 0x0A]) { return (0, 3) }
        guard let index = find([0x0D, 0x0A, 0x2E, 0x0D, 0x0A], in: bytes) else { return nil }
        return (index + 2, index + 5)
    }

    private static func unstuff(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var atLineStart = true
        for byte in raw {
            if atLineStart && byte == 0x2E {
                atLineStart = false
                continue
            }
            out.append(byte)
            atLineStart = byte == 0x0A
        }
        return out
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start }
        }
        return nil
    }
}
