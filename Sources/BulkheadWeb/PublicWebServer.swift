public import BulkheadEngine
public import BulkheadStore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The HTTP listener of `bulkhead serve` (`http.listen`): the one-click unsubscribe pages and the
/// dashboard (see ``Dashboard``). One Hummingbird application per address, all on one router; stopped
/// gracefully (requests under way complete) when the task running ``run(onListening:)`` is cancelled.
///
/// ```swift
/// let server = PublicWebServer(
///     addresses: configuration.http.listen, unsubscribe: service,
///     requestsPerTokenPerMinute: 10, clock: SystemClock(), logger: logger)
/// let running = Task { try await server.run { address in print("listening on", address) } }
/// running.cancel()   // graceful stop
/// ```
public struct PublicWebServer: Sendable {
    public let addresses: [BulkheadConfiguration.ListenAddress]
    let unsubscribe: OneClickUnsubscribe
    let limits: TokenRateLimits
    let clock: any BulkheadClock
    let logger: Logger
    /// The engine behind the dashboard and the JSON API (`/api`); nil serves the public pages only.
    let environment: BulkheadEnvironment?
    /// `Secure` on the dashboard's session cookie.
    let secureCookies: Bool
    /// `/metrics`, `/health`, `/ready` and request timing (nil: none of them).
    public var observability: ObservabilityRoutes?
    /// HTTPS with this certificate and key (`http.tls` with `listener_tls`); nil: plain HTTP.
    public var tls: ListenerCertificate?

    /// A listener; with `environment`, the dashboard too (log-in at `/login`, overview at `/`).
    public init(
        addresses: [BulkheadConfiguration.ListenAddress], unsubscribe: OneClickUnsubscribe, requestsPerTokenPerMinute: Int,
        clock: any BulkheadClock, logger: Logger, environment: BulkheadEnvironment? = nil, secureCookies: Bool = false
    ) {
        self.addresses = addresses
        self.unsubscribe = unsubscribe
        self.limits = TokenRateLimits(perMinute: requestsPerTokenPerMinute)
        self.clock = clock
        self.logger = logger
        self.environment = environment
        self.secureCookies = secureCookies
    }

    /// The routes, for the listener and for tests that call them without a socket.
    func router() -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        observability?.add(to: router)  // first: its timing middleware wraps every route
        router.add(middleware: PrivacyHeaders())
        UnsubscribeRoutes(unsubscribe: unsubscribe, limits: limits, clock: clock).add(to: router)
        if let environment {
            APIRoutes(environment: environment).add(to: router)
            PublicFormRoutes(environment: environment).add(to: router)
            Dashboard(environment: environment, secureCookies: secureCookies).add(to: router)
        }
        return router
    }

    /// Listens on every address until cancelled, then stops accepting and lets requests under way
    /// finish. `onListening` gets each bound address (`127.0.0.1:8080`).
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let responder = router().buildResponder()
        // A connection idle for 30 s is closed, and at most 512 are open per address: clients that
        // connect and say nothing cannot use up the process's file descriptors.
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(Int64(Self.idleSeconds))))
        let server = try tls.map { try HTTPServerBuilder.tls(http1, tlsConfiguration: try $0.configuration()) } ?? http1
        let applications: [any Service] = addresses.map { address in
            Application(
                responder: responder,
                server: server,
                configuration: ApplicationConfiguration(
                    address: .hostname(address.host, port: address.port), serverName: nil,
                    availableConnectionsDelegate: MaximumAvailableConnections(Self.maximumConnections)),
                onServerRunning: { channel in
                    onListening(BulkheadConfiguration.ListenAddress(bound: channel.localAddress, configured: address).description)
                },
                logger: logger)
        }
        let group = ServiceGroup(configuration: .init(services: applications, logger: logger))
        // Not a child task: cancelling it would stop the servers at once; a graceful shutdown is asked
        // for instead, and requests still open after `shutdownGraceSeconds` are cut off.
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
            Task {
                try? await Task.sleep(for: .seconds(Self.shutdownGraceSeconds))
                running.cancel()
            }
        }
    }

    /// An idle connection is closed after this many seconds.
    static let idleSeconds = 30
    /// Connections open at once per listening address; more wait in the kernel's backlog.
    public static let maximumConnections = 512
    /// How long a stop waits for requests under way before it closes their connections.
    static let shutdownGraceSeconds = 10
}

/// The certificate chain and private key of an HTTPS listener, read from PEM files when it starts.
///
/// ```swift
/// server.tls = ListenerCertificate(certificateChainFile: "/etc/bulkhead/cert.pem", privateKeyFile: "/etc/bulkhead/key.pem")
/// ```
public struct ListenerCertificate: Sendable {
    public let certificateChainFile: String
    public let privateKeyFile: String

    public init(certificateChainFile: String, privateKeyFile: String) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }

    /// A server configuration with the chain and key (a file that cannot be read throws, naming it).
    func configuration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }
}
