import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Turns what a generated handler throws into the document's `Error` responses: an ``APIError`` as it
/// is, a store or engine error by ``APIError/from(_:refused:)``, a request the generated code could not
/// read (bad path, query or body: no operation input was made) 400, anything else 500 with a generic
/// message (the error itself goes to the log, never to the client).
struct APIErrorMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            // The generated code wraps what handlers throw in a `ServerError`; middlewares throw directly.
            let server = error as? ServerError
            let failure: APIError
            if let known = APIError.from(server?.underlyingError ?? error) {
                failure = known
            } else if let server, server.operationInput == nil {
                failure = .badRequest("the request does not match /api/openapi.json (\(operationID)): \(server.causeDescription)")
            } else {
                logger.error("API \(operationID) failed: \(String(describing: server?.underlyingError ?? error))")
                failure = .unexpected
            }
            return Self.response(failure)
        }
    }

    /// The error's status, headers and JSON body.
    static func response(_ error: APIError) -> (HTTPResponse, HTTPBody?) {
        (HTTPResponse(status: error.status, headerFields: error.headers), HTTPBody(error.body))
    }
}
