import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird

/// `GET /u/TOKEN` and `POST /u/TOKEN`, RFC 8058 one-click unsubscribe.
///
/// - `GET` only shows a page with a button: link scanners and previews fetch links, and must not
///   unsubscribe anyone (listmonk #1454).
/// - `POST` with the body `List-Unsubscribe=One-Click` (what mailbox providers send, and what the
///   button sends) unsubscribes at once. The token is the authentication: no cookie, no CSRF token.
/// - A token that is not ours gets 404; a valid one over its per-minute limit gets 429. No answer
///   says whether the address exists or was still subscribed.
///
/// ```swift
/// let router = Router(context: WebRequestContext.self)
/// UnsubscribeRoutes(unsubscribe: service, limits: TokenRateLimits(perMinute: 10), clock: SystemClock()).add(to: router)
/// ```
struct UnsubscribeRoutes: Sendable {
    let unsubscribe: OneClickUnsubscribe
    let limits: TokenRateLimits
    let clock: any BulkheadClock

    /// The largest POST body read (RFC 8058's is 26 octets).
    static let maximumBody = 1_024

    func add(to router: Router<WebRequestContext>) {
        router.get("u/:token") { _, context in try await show(context) }
        router.post("u/:token") { request, context in try await confirm(request, context) }
    }

    private func show(_ context: WebRequestContext) async throws -> Response {
        guard let token = Self.token(context), (try? unsubscribe.tokens.verify(token)) != nil else { return Self.notFound }
        // Link scanners and previews fetch this page: they have their own budget, never the POST's.
        guard limits.allow(token, .page, at: clock.now) else { return Self.tooMany }
        guard let preview = try await unsubscribe.preview(token: token) else { return Self.notFound }
        return Self.page(
            .ok, title: "Unsubscribe", heading: "Unsubscribe from \(preview.listName)?",
            message: "Press the button and you will get no more messages from this list.", button: "Unsubscribe")
    }

    private func confirm(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maximumBody)
        } catch {
            return Self.page(.contentTooLarge, title: "Request too large", heading: "Request too large", message: "This request is too large.")
        }
        guard let token = Self.token(context), (try? unsubscribe.tokens.verify(token)) != nil else { return Self.notFound }
        guard Self.isOneClick(body: String(buffer: body), contentType: request.headers[.contentType]) else {
            return Self.page(
                .badRequest, title: "Not a one-click request", heading: "Not a one-click request",
                message: "An unsubscribe request must carry List-Unsubscribe=One-Click. Open the link in a browser and press the button.")
        }
        // A token's first one-click POST is always carried out; only repeats after it are limited.
        guard !limits.honoured(token) || limits.allow(token, .confirm, at: clock.now) else { return Self.tooMany }
        // The peer is the reverse proxy when there is one: it says how the request came, not who sent it.
        let channel = "one-click POST" + (context.remoteAddress?.ipAddress.map { " (peer \($0))" } ?? "")
        switch try await unsubscribe.confirm(token: token, channel: channel) {
        case .done:
            limits.markHonoured(token, at: clock.now)
            return Self.page(
                .ok, title: "Unsubscribed", heading: "You are unsubscribed",
                message: "You will get no more messages from this list. Nothing else is needed.")
        case .invalidToken:
            return Self.notFound
        }
    }

    /// The token path parameter when it has a token's length and alphabet (checked before any MAC).
    private static func token(_ context: WebRequestContext) -> String? {
        guard let token = context.parameters.get("token"), (1...UnsubscribeTokenIssuer.maximumTokenLength).contains(token.utf8.count),
            token.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x32...0x37).contains($0) })
        else { return nil }
        return token
    }

    /// Whether a form body holds the field `List-Unsubscribe=One-Click` (RFC 8058 §3.1), sent as
    /// `multipart/form-data` (RFC 7578, what the RFC asks of mailbox providers) or as
    /// `application/x-www-form-urlencoded` (what browsers send for the page's button; also the
    /// default when no type is given).
    static func isOneClick(body: String, contentType: String?) -> Bool {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            guard let boundary = Self.boundary(contentType ?? "") else { return false }
            return body.components(separatedBy: "--" + boundary).contains { part in
                guard let split = part.range(of: "\r\n\r\n") ?? part.range(of: "\n\n") else { return false }
                let headers = part[..<split.lowerBound].lowercased()
                let value = part[split.upperBound...].trimmingSpaceAndNewlines
                return headers.contains("content-disposition: form-data") && headers.contains("name=\"list-unsubscribe\"")
                    && value == "One-Click"
            }
        }
        return body.split(separator: "&").contains { field in
            let pair = field.trimmingSpaceAndNewlines.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return false }
            return Self.formDecoded(pair[0]) == "List-Unsubscribe" && Self.formDecoded(pair[1]) == "One-Click"
        }
    }

    /// The `boundary` parameter of a multipart content type.
    private static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaceAndNewlines.lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingSpaceAndNewlines
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty || value.count > 70 ? nil : String(value)
        }
        return nil
    }

    /// A urlencoded name or value: `+` is a space, `%XX` an octet.
    private static func formDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private static var notFound: Response {
        page(
            .notFound, title: "Link not valid", heading: "This link is not valid",
            message: "Check that the whole link was copied from the message.")
    }

    private static var tooMany: Response {
        var response = page(
            .tooManyRequests, title: "Too many requests", heading: "Too many requests",
            message: "This link was used many times in the last minute. Wait a minute and try again.")
        response.headers[.retryAfter] = "60"
        return response
    }

    static func page(_ status: HTTPResponse.Status, title: String, heading: String, message: String, button: String? = nil) -> Response {
        let html = PublicPage.render(title: title, heading: heading, message: message, button: button)
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

extension Substring {
    fileprivate var trimmingSpaceAndNewlines: Substring {
        var text = self
        // ("\r\n" is one Character: test the property, not the character.)
        while let first = text.first, first == " " || first.isNewline { text.removeFirst() }
        while let last = text.last, last == " " || last.isNewline { text.removeLast() }
        return text
    }
}
