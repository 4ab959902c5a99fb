import HTTPTypes
import OpenAPIRuntime

/// A request without a body reaches the generated code as no body at all (swift-openapi-hummingbird
/// always hands over one, empty when nothing was sent): an optional body (`{confirm?}`, `{reason?}`)
/// may then be left out, and a required one missing is a 400. The body was already read, within its
/// limit, by ``APIAuthentication``.
struct APIEmptyBody: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        let bytes = try await [UInt8](collecting: body, upTo: APIAuthentication.maximumBodyBytes)
        return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
    }
}
