import Hummingbird

/// Headers on every public response: nothing cached, no referrer sent on, no framing, no script, no
/// request to anywhere else (the pages' own inline style is all they use).
struct PrivacyHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            // An unknown path or method: a plain page with the status, not Hummingbird's default body.
            response = UnsubscribeRoutes.page(
                error.status, title: error.status.reasonPhrase, heading: error.status.reasonPhrase, message: "There is nothing here.")
        }
        Self.apply(&response.headers)
        return response
    }

    /// The public pages' headers; a response that set its own policy (the dashboard's) keeps it.
    static func apply(_ headers: inout HTTPFields) {
        guard headers[.contentSecurityPolicy] == nil else { return }
        headers[.cacheControl] = "no-store"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }
}
