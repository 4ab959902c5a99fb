import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird

/// The public sign-up of lists with double opt-in:
///
/// - `GET /s/LIST`: a short form (e-mail address, optional name), only for a list that takes
///   sign-ups (else 404); `POST /s/LIST` files the request and mails one confirmation link. The page
///   after it says the same whatever the address's state.
/// - `GET /c/TOKEN`: a button only (link scanners fetch links and must not confirm anything);
///   `POST /c/TOKEN` confirms. A tampered or expired link gets 404.
///
/// ```swift
/// SignUpRoutes(signUp: try environment.publicSignUp(), limits: TokenRateLimits(perMinute: 10), clock: clock).add(to: router)
/// ```
struct SignUpRoutes: Sendable {
    let signUp: PublicSignUp
    let limits: TokenRateLimits
    let clock: any BulkheadClock

    /// The largest POST body read (an address, a name and their escapes fit many times).
    static let maximumBody = 8 * 1_024

    func add(to router: Router<WebRequestContext>) {
        router.get("s/:list") { _, context in try await showForm(context) }
        router.post("s/:list") { request, context in try await submit(request, context) }
        router.get("c/:token") { _, context in try await showConfirmation(context) }
        router.post("c/:token") { request, context in try await confirm(request, context) }
    }

    private func showForm(_ context: WebRequestContext) async throws -> Response {
        guard let name = Self.listName(context), let list = try await signUp.openList(named: name) else { return PublicResponses.notFound }
        return Self.form(.ok, list: list.name, message: "Leave your address and we mail you a link to confirm. Nothing happens until you do.")
    }

    private func submit(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        guard let body = await PublicResponses.body(request, upTo: Self.maximumBody) else { return PublicResponses.tooLarge }
        guard let name = Self.listName(context), let list = try await signUp.openList(named: name) else { return PublicResponses.notFound }
        guard let fields = FormBody.fields(body, contentType: request.headers[.contentType]),
            let address = fields.first(where: { $0.name == "email" })?.value, !address.isEmpty
        else {
            return Self.form(.badRequest, list: list.name, message: "Give one e-mail address, without any other characters.")
        }
        let person = fields.first { $0.name == "name" }?.value
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        switch try await signUp.signUp(listName: list.name, address: address, name: person, client: client) {
        case .accepted:
            return PublicResponses.page(
                .ok, title: "Check your mail", heading: "Check your mail",
                message: """
                    If this address can sign up for \(list.name), a message with a confirmation link is on its way to it. \
                    Nothing happens until you open the link and press its button.
                    """)
        case .noSuchList:
            return PublicResponses.notFound
        case .invalidAddress:
            return Self.form(.badRequest, list: list.name, message: "That is not an e-mail address. Give one address, like name@example.org.")
        case .invalidName:
            return Self.form(
                .badRequest, list: list.name, message: "The name is too long or holds characters a name cannot have (at most 200 characters).")
        case .tooMany:
            return PublicResponses.tooMany(retryAfter: 3_600, message: "Too many sign-ups came from your network in the last hour. Try again later.")
        }
    }

    private func showConfirmation(_ context: WebRequestContext) async throws -> Response {
        guard let token = PublicResponses.token(context, maximumLength: SignUpTokenIssuer.maximumTokenLength),
            let list = try await signUp.preview(token: token)
        else { return PublicResponses.notFound }
        guard limits.allow(token, .page, at: clock.now) else { return PublicResponses.tooMany(retryAfter: 60) }
        return PublicResponses.page(
            .ok, title: "Confirm", heading: "Confirm: \(list.name)", message: PublicSignUp.consentText(list.name),
            form: PublicForm(button: "Confirm"))
    }

    private func confirm(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        guard await PublicResponses.body(request, upTo: UnsubscribeRoutes.maximumBody) != nil else { return PublicResponses.tooLarge }
        guard let token = PublicResponses.token(context, maximumLength: SignUpTokenIssuer.maximumTokenLength) else {
            return PublicResponses.notFound
        }
        guard limits.allow(token, .confirm, at: clock.now) else { return PublicResponses.tooMany(retryAfter: 60) }
        let channel = "confirmation POST" + (context.remoteAddress?.ipAddress.map { " (peer \($0))" } ?? "")
        switch try await signUp.confirm(token: token, channel: channel) {
        case .confirmed(let list, suppressed: false):
            return PublicResponses.page(
                .ok, title: "Confirmed", heading: "You are subscribed to \(list)",
                message: "Thank you. Every message has a link to unsubscribe and to see your lists.")
        case .confirmed(let list, suppressed: true):
            return PublicResponses.page(
                .ok, title: "Confirmed", heading: "Your confirmation for \(list) is recorded",
                message: """
                    This address is blocked from all our mail (it bounced, complained, or asked for no mail at all), \
                    so it will get nothing. Contact us if you want that lifted.
                    """)
        case .invalidLink:
            return PublicResponses.notFound
        }
    }

    /// The list name path parameter, percent-decoded, without control characters.
    private static func listName(_ context: WebRequestContext) -> String? {
        guard let raw = context.parameters.get("list"), raw.utf8.count <= 200 else { return nil }
        let name = raw.removingPercentEncoding ?? raw
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return name
    }

    private static func form(_ status: HTTPResponse.Status, list: String, message: String) -> Response {
        PublicResponses.page(
            status, title: "Sign up: \(list)", heading: "Sign up: \(list)", message: message,
            form: PublicForm(
                button: "Sign up",
                fields: [
                    .init(name: "email", label: "Your e-mail address", type: "email", autocomplete: "email", required: true),
                    .init(name: "name", label: "Your name (optional)", autocomplete: "name"),
                ]))
    }
}
