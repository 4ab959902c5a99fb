import BulkheadEngine
import BulkheadStore
import Hummingbird

/// `GET /p/TOKEN` and `POST /p/TOKEN`: the preference page behind the unsubscribe token of every
/// message. `GET` lists that person's lists with their status and changes nothing; `POST` with
/// `list=ID` fields (or `all=1`) unsubscribes from exactly those. The token is the authentication
/// (like RFC 8058's one-click: no cookie, no CSRF token). Nothing here subscribes anyone again.
///
/// ```swift
/// PreferenceRoutes(preferences: environment.preferences, limits: TokenRateLimits(perMinute: 10), clock: clock).add(to: router)
/// ```
struct PreferenceRoutes: Sendable {
    let preferences: Preferences
    let limits: TokenRateLimits
    let clock: any BulkheadClock

    func add(to router: Router<WebRequestContext>) {
        router.get("p/:token") { _, context in try await show(context) }
        router.post("p/:token") { request, context in try await leave(request, context) }
    }

    private func show(_ context: WebRequestContext) async throws -> Response {
        guard let token = PublicResponses.token(context, maximumLength: UnsubscribeTokenIssuer.maximumTokenLength),
            let entries = try await preferences.lists(token: token)
        else { return PublicResponses.notFound }
        guard limits.allow(token, .page, at: clock.now) else { return PublicResponses.tooMany(retryAfter: 60) }
        return Self.page(.ok, entries, note: nil)
    }

    private func leave(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        guard let body = await PublicResponses.body(request, upTo: SignUpRoutes.maximumBody) else { return PublicResponses.tooLarge }
        guard let token = PublicResponses.token(context, maximumLength: UnsubscribeTokenIssuer.maximumTokenLength),
            let entries = try await preferences.lists(token: token)
        else { return PublicResponses.notFound }
        guard limits.allow(token, .confirm, at: clock.now) else { return PublicResponses.tooMany(retryAfter: 60) }
        guard let fields = FormBody.fields(body, contentType: request.headers[.contentType]) else {
            return Self.page(.badRequest, entries, note: "That request could not be read. Tick the lists and press the button.")
        }
        let all = fields.contains { $0.name == "all" && $0.value == "1" }
        var chosen: Set<ListID> = []
        for field in fields where field.name == "list" {
            guard let id = Int64(field.value) else {
                return Self.page(.badRequest, entries, note: "That request could not be read. Tick the lists and press the button.")
            }
            chosen.insert(ListID(rawValue: id))
        }
        guard all || !chosen.isEmpty else { return Self.page(.badRequest, entries, note: "Tick at least one list.") }
        let channel = "preference page POST" + (context.remoteAddress?.ipAddress.map { " (peer \($0))" } ?? "")
        guard let left = try await preferences.leave(token: token, lists: all ? nil : chosen, channel: channel),
            let now = try await preferences.lists(token: token)
        else { return PublicResponses.notFound }
        let note =
            left.isEmpty
            ? "Nothing changed: you were not subscribed to those lists."
            : "You are unsubscribed from \(left.joined(separator: ", ")). You will get no more messages from \(left.count == 1 ? "it" : "them")."
        return Self.page(.ok, now, note: note)
    }

    /// The person's lists: the ones still subscribed (or waiting for confirmation) as checkboxes, the
    /// ones left named in the text.
    private static func page(_ status: HTTPResponse.Status, _ entries: [Preferences.Entry], note: String?) -> Response {
        let active = entries.filter { $0.status != .unsubscribed }
        let left = entries.filter { $0.status == .unsubscribed }.map(\.listName)
        var message = note.map { $0 + " " } ?? ""
        message += active.isEmpty ? "You are not subscribed to any of our lists." : "Tick the lists you want no more messages from."
        if !left.isEmpty { message += " Unsubscribed already: \(left.joined(separator: ", "))." }
        let form =
            active.isEmpty
            ? nil
            : PublicForm(
                button: "Unsubscribe",
                choices: active.map { entry in
                    PublicForm.Choice(
                        name: "list", value: "\(entry.listID.rawValue)",
                        label: entry.listName + (entry.status == .unconfirmed ? " (not confirmed yet)" : " (subscribed)"))
                } + [PublicForm.Choice(name: "all", value: "1", label: "All of them")])
        return PublicResponses.page(status, title: "Your lists", heading: "Your lists", message: message, form: form)
    }
}
