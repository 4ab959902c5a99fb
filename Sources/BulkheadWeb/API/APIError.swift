import BulkheadEngine
import BulkheadStore
import Foundation
import HTTPTypes

/// An API failure as the client sees it: an HTTP status and `{"error": "...", "code": "..."}` (the
/// document's `Error` schema). Never carries a secret: messages name records and scopes, not tokens.
///
/// ```swift
/// throw APIError.forbidden("this needs the scope send", code: "forbidden")
/// ```
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    static func unauthorized(_ message: String) -> APIError { APIError(status: .unauthorized, code: "unauthorized", message: message) }
    static func forbidden(_ message: String, code: String = "forbidden") -> APIError {
        APIError(status: .forbidden, code: code, message: message)
    }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not-found", message: message) }
    static func conflict(_ message: String, code: String = "conflict") -> APIError {
        APIError(status: .conflict, code: code, message: message)
    }
    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: "bad-request", message: message) }
    static let unexpected = APIError(status: .internalServerError, code: "internal", message: "internal error (see the server's log)")

    /// The JSON body.
    var body: Data {
        // Encoding two strings cannot fail.
        (try? JSONEncoder().encode(Components.Schemas._Error(error: message, code: code))) ?? Data()
    }

    /// The response headers: JSON, and the Bearer challenge with a 401 (RFC 6750).
    var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        return fields
    }

    /// What a store or engine error means to a client: no such record 404, a state that does not allow
    /// it 409, an emergency stop 409 `stopped`, anything else 500 (its text only in the server's log).
    /// `refused` is the status of the store's refusals (four eyes: 403).
    static func from(_ error: any Error, refused: HTTPResponse.Status = .conflict) -> APIError? {
        switch error {
        case let error as APIError: return error
        case StoreError.notFound(let record): return .notFound("no \(record)")
        case StoreError.refused(let why): return APIError(status: refused, code: refused == .forbidden ? "four-eyes" : "refused", message: why)
        case let error as StoreError:
            switch error {
            case .invalidTransition, .campaignNotEditable, .campaignFinished: return .conflict("\(error)")
            default: return nil
            }
        case let refused as ActionRefused: return .conflict(refused.reason)
        case let refused as SendRefused where refused.report == nil: return .conflict(refused.reason, code: "stopped")
        default: return nil
        }
    }
}
