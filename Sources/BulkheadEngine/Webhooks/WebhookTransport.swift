import AsyncHTTPClient
import NIOCore

/// Sends one webhook POST and returns the receiver's HTTP status (throws when no answer came).
///
/// ```swift
/// let status = try await transport.post(url: "https://hooks.example/x", headers: [("X-Bulkhead-Event", "relay.held")], body: body)
/// ```
public protocol WebhookTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> Int
}

/// Webhook POSTs over AsyncHTTPClient. It is already built for HummingbirdTesting, handles TLS
/// (certificates verified), timeouts and connection reuse, which a hand-made client over NIO's HTTP/1
/// codec would have to get right again. Redirects are not followed (the receiver is configured, not
/// discovered), and each request may take at most ``timeout`` (10 s) in all.
///
/// ```swift
/// try await HTTPWebhookTransport.with { transport in
///     try await WebhookDispatcher(store: store, webhooks: targets, transport: transport, clock: SystemClock()).run(idle: .seconds(1))
/// }
/// ```
public struct HTTPWebhookTransport: WebhookTransport {
    /// The longest one request may take (connect, send, head of the answer).
    static let timeout = TimeAmount.seconds(10)
    /// At most this much of an answer's body is read (and dropped).
    static let maximumAnswer = 64 * 1024

    let client: HTTPClient

    /// Runs `body` with a transport whose client is shut down afterwards.
    public static func with<T: Sendable>(_ body: (HTTPWebhookTransport) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: timeout, read: timeout)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let value = try await body(HTTPWebhookTransport(client: client))
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    public func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Bulkhead-Webhook")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: Self.timeout)
        // Read (a bounded part of) the answer so the connection can be reused; its content is not used.
        _ = try? await response.body.collect(upTo: Self.maximumAnswer)
        return Int(response.status.code)
    }
}
