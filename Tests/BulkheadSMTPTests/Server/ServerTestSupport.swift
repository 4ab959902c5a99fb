import BulkheadSMTP
import BulkheadTestSupport
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The delegate the loopback tests run the server with: an in-memory inbox (the role the store plays
/// later). Recipients at `rcpt.test` are accepted, every other one is refused as relaying; one account
/// (ada / secret) can authenticate. `storeDelay` holds each message before it counts as stored.
final class InboxDelegate: SMTPServerDelegate {
    struct Stored: Sendable, Hashable {
        var message: SMTPReceivedMessage
        var session: SMTPServerSessionInfo
    }

    private let stored = Mutex<[Stored]>([])
    private let storing = Mutex(0)
    let storeDelay: Duration

    init(storeDelay: Duration = .zero) {
        self.storeDelay = storeDelay
    }

    var messages: [Stored] { stored.withLock { $0 } }
    /// Messages handed over and not yet stored.
    var inFlight: Int { storing.withLock { $0 } }

    func authenticate(_ credentials: SMTPServerCredentials, session: SMTPServerSessionInfo) async throws -> String? {
        credentials.username == "ada" && credentials.password == "secret" ? "ada" : nil
    }

    func checkRecipient(_ recipient: String, envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        recipient.lowercased().hasSuffix("@rcpt.test") ? .accept : .refuse(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied"]))
    }

    func accept(message: SMTPReceivedMessage, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        storing.withLock { $0 += 1 }
        defer { storing.withLock { $0 -= 1 } }
        if storeDelay > .zero { try await Task.sleep(for: storeDelay) }
        stored.withLock { $0.append(Stored(message: message, session: session)) }
        return .accept
    }
}

/// A server on 127.0.0.1 (a free port) with `InboxDelegate`.
struct LoopbackServer: Sendable {
    let server: SMTPServer
    let inbox: InboxDelegate
    let port: Int

    /// The test configuration (host name `mx.test`, 100 kB messages), changed by `change`.
    static func configuration(_ change: (inout SMTPServerConfiguration) -> Void = { _ in }) -> SMTPServerConfiguration {
        var configuration = SMTPServerConfiguration(hostname: "mx.test")
        configuration.limits.maximumMessageSize = 100_000
        change(&configuration)
        return configuration
    }

    static func start(_ configuration: SMTPServerConfiguration = configuration(), storeDelay: Duration = .zero) async throws -> LoopbackServer {
        let inbox = InboxDelegate(storeDelay: storeDelay)
        let server = try SMTPServer(configuration: configuration, delegate: inbox)
        let address = try await server.bind(host: "127.0.0.1", port: 0)
        guard let port = address.port else { throw PeerError(description: "no port") }
        return LoopbackServer(server: server, inbox: inbox, port: port)
    }

    /// Runs `body` with a server and stops the server afterwards, whatever happens.
    static func with(
        _ configuration: SMTPServerConfiguration = configuration(), storeDelay: Duration = .zero,
        _ body: (LoopbackServer) async throws -> Void
    ) async throws {
        let loopback = try await start(configuration, storeDelay: storeDelay)
        do {
            try await body(loopback)
        } catch {
            await loopback.server.stop(gracePeriod: .zero)
            throw error
        }
        await loopback.server.stop(gracePeriod: .zero)
    }
}

/// A plain TCP client for hostile and exact-byte conversations: it sends bytes as given and collects
/// everything the server sends.
final class RawClient: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])
        let closed = Mutex(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            received.withLock { $0 += bytes }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLock { $0 = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawClient {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, collector: collector)
    }

    /// Everything received so far, as text.
    var text: String { String(decoding: collector.received.withLock { $0 }, as: UTF8.self) }
    var isClosed: Bool { collector.closed.withLock { $0 } }

    func send(_ text: String) async throws {
        try await send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Waits until the received text contains `count` occurrences of `needle` (or the time is up);
    /// returns the text.
    @discardableResult
    func waitFor(_ needle: String, count: Int = 1, timeout: Duration = .seconds(30)) async throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let text = self.text
            if text.components(separatedBy: needle).count - 1 >= count { return text }
            if isClosed { return text }
            try await Task.sleep(for: .milliseconds(10))
        }
        return text
    }

    /// Waits until the server closed the connection (true) or the time is up (false).
    func waitForClose(timeout: Duration = .seconds(30)) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if isClosed { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return isClosed
    }

    func close() async {
        try? await channel.close()
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made for the test by the `openssl` tool.
struct TestCertificate {
    let directory: String
    var certificatePath: String { directory + "/cert.pem" }
    var keyPath: String { directory + "/key.pem" }

    static func make() throws -> TestCertificate {
        let directory = try Peers.temporaryDirectory("server-tls")
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PeerError(description: "cannot run openssl to make a test certificate: \(error)")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PeerError(description: "openssl failed: \(String(decoding: output, as: UTF8.self))")
        }
        return TestCertificate(directory: directory)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs a command-line peer (swaks) and returns its exit status and output.
func runPeer(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let process = TestProcess()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        throw PeerError(description: "cannot run \(arguments.first ?? ""): \(error)")
    }
    let handle = output.fileHandleForReading
    let data = try await offThePool {
        let data = handle.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs blocking work (waiting for a process) on a Dispatch thread, not on one of the few threads of
/// Swift's cooperative pool: the server's delegate calls need those.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
