import Hummingbird

/// The answers the public sign-up, confirmation and preference pages share.
///
/// ```swift
/// guard let body = await PublicResponses.body(request, upTo: 8_192) else { return PublicResponses.tooLarge }
/// ```
enum PublicResponses {
    /// The body as text, nil when it is longer than `limit` bytes.
    static func body(_ request: Request, upTo limit: Int) async -> String? {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: limit) else { return nil }
        return String(buffer: buffer)
    }

    /// The token path parameter when it has a token's length and alphabet (checked before any MAC).
    static func token(_ context: WebRequestContext, maximumLength: Int) -> String? {
        guard let token = context.parameters.get("token"), (1...maximumLength).contains(token.utf8.count),
            token.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x32...0x37).contains($0) })
        else { return nil }
        return token
    }

    static func page(_ status: HTTPResponse.Status, title: String, heading: String, message: String, form: PublicForm? = nil) -> Response {
        let html = PublicPage.render(title: title, heading: heading, message: message, form: form)
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static var notFound: Response {
        page(
            .notFound, title: "Not found", heading: "This page or link is not valid",
            message: "Check that the whole link was copied from the message; links to confirm work for 7 days.")
    }

    static var tooLarge: Response {
        page(.contentTooLarge, title: "Request too large", heading: "Request too large", message: "This request is too large.")
    }

    static func tooMany(retryAfter seconds: Int, message: String = "This link was used many times in the last minute. Wait a minute and try again.")
        -> Response
    {
        var response = page(.tooManyRequests, title: "Too many requests", heading: "Too many requests", message: message)
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }
}
