import BulkheadEngine
import BulkheadStore
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard: server-rendered pages over the engine, on `bulkhead serve`'s HTTP listener. Every
/// route is registered through ``route(_:_:_:handler:)``, which checks the session cookie, the
/// route's ``DashboardPermission`` and, for every POST, the session's CSRF token, before the handler
/// runs: nothing is reachable without them. Sessions live in the store (a restart logs nobody out);
/// the cookie is `HttpOnly; SameSite=Strict`, and `Secure` when the listener is behind TLS.
///
/// ```swift
/// let dashboard = Dashboard(environment: environment, secureCookies: false)
/// let registered = dashboard.add(to: router)   // every route with the permission it needs
/// ```
struct Dashboard: Sendable {
    let environment: BulkheadEnvironment
    /// `Secure` on the session cookie (the listener or its proxy uses TLS).
    let secureCookies: Bool
    let throttle: LoginThrottle
    /// Subscriber imports started from the dashboard.
    let imports = ImportJobs()
    /// One drill at a time.
    let drills = DrillGate()
    /// How long a log-in lasts.
    static let sessionSeconds = 12 * 3_600
    /// The session cookie's name.
    static let cookie = "bulkhead_session"
    /// The largest form body read (campaign templates included).
    static let maximumForm = 2 * 1_024 * 1_024
    /// The largest CSV a dashboard import takes (larger files: `bulkhead subscribers import`).
    static let maximumImport = 64 * 1_024 * 1_024
    /// The header the page's script sends the CSRF token in (with a file body).
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    init(environment: BulkheadEnvironment, secureCookies: Bool, throttle: LoginThrottle = LoginThrottle()) {
        self.environment = environment
        self.secureCookies = secureCookies
        self.throttle = throttle
    }

    var store: any MailStore { environment.store }

    /// One registered route: what the role × route tests walk.
    struct RouteInfo: Sendable, Hashable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        /// nil: public (log-in, assets).
        let permission: DashboardPermission?
        var description: String { "\(method.rawValue) /\(path)" }
    }

    /// A request that passed the checks: the session, the parsed form of a POST.
    struct Call: Sendable {
        let request: Request
        let context: WebRequestContext
        let session: WebSession
        /// A POST's `application/x-www-form-urlencoded` fields (empty for other bodies).
        let form: [String: String]
        /// A POST's body as sent (the CSV of an import).
        let body: ByteBuffer

        var user: User { session.user }
        var actor: AuditActor { .human(session.user.name) }
        func parameter(_ name: String) -> String? { context.parameters.get(name) }
        func query(_ name: String) -> String? { request.uri.queryParameters[Substring(name)].map(String.init) }
    }

    /// Registers every page, action and asset; returns them with their permissions.
    @discardableResult
    func add(to router: Router<WebRequestContext>) -> [RouteInfo] {
        var routes: [RouteInfo] = []
        func open(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, WebRequestContext) async throws -> Response)
        {
            router.on(RouterPath(path), method: method, use: handler)
            routes.append(RouteInfo(method: method, path: path, permission: nil))
        }
        func guarded(
            _ method: HTTPRequest.Method, _ path: String, _ permission: DashboardPermission, maximumBody: Int = Self.maximumForm,
            _ handler: @escaping @Sendable (Call) async throws -> Response
        ) {
            router.on(RouterPath(path), method: method) { request, context in
                try await check(request, context, permission, maximumBody: maximumBody, handler)
            }
            routes.append(RouteInfo(method: method, path: path, permission: permission))
        }
        open(.get, "assets/app.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        open(.get, "assets/app.js") { _, _ in Self.asset(DashboardAssets.javascript, type: "text/javascript; charset=utf-8") }
        open(.get, "login") { request, _ in try await loginPage(request) }
        open(.post, "login") { request, context in try await logIn(request, context) }
        guarded(.post, "logout", .view) { call in try await logOut(call) }

        guarded(.get, "", .view) { call in try await overview(call) }
        guarded(.post, "stop-all", .stop) { call in try await stopAll(call) }
        guarded(.post, "stop-all/release", .admin) { call in try await releaseStop(call) }

        guarded(.get, "campaigns/new", .author) { call in try await newCampaign(call) }
        guarded(.post, "campaigns", .author) { call in try await createCampaign(call) }
        guarded(.get, "campaigns/:id", .view) { call in try await campaignPage(call) }
        guarded(.get, "campaigns/:id/preview.html", .view) { call in try await previewHTML(call) }
        guarded(.get, "campaigns/:id/events", .view) { call in try await campaignEvents(call) }
        guarded(.post, "campaigns/:id/send", .author) { call in try await send(call) }
        guarded(.post, "campaigns/:id/promote", .author) { call in try await promote(call) }
        guarded(.post, "campaigns/:id/pause", .stop) { call in try await stopCampaign(call, to: .paused) }
        guarded(.post, "campaigns/:id/abort", .stop) { call in try await stopCampaign(call, to: .aborted) }
        guarded(.post, "campaigns/:id/cancel", .stop) { call in try await stopCampaign(call, to: .cancelled) }
        guarded(.post, "campaigns/:id/approve", .approver) { call in try await decide(call, .approve) }
        guarded(.post, "campaigns/:id/reject", .approver) { call in try await decide(call, .reject) }
        guarded(.get, "approvals", .view) { call in try await approvals(call) }

        guarded(.get, "holds", .view) { call in try await holds(call) }
        guarded(.post, "holds/:id/release", .holdDecision) { call in try await decideHold(call, release: true) }
        guarded(.post, "holds/:id/discard", .holdDecision) { call in try await decideHold(call, release: false) }
        guarded(.post, "holds/:id/recall", .stop) { call in try await recallHold(call) }

        guarded(.get, "captured", .view) { call in try await captured(call) }
        guarded(.get, "captured/:id", .view) { call in try await capturedMessage(call) }

        guarded(.get, "campaigns/:id/incident", .view) { call in try await incidentPage(call) }
        guarded(.get, "campaigns/:id/incident/:format", .view) { call in try await incidentDownload(call) }
        guarded(.get, "drill", .view) { call in try await drillPage(call) }
        guarded(.post, "drill", .view) { call in try await runDrill(call) }

        guarded(.get, "lists", .view) { call in try await lists(call) }
        guarded(.post, "lists/:id/emergency", .stop) { call in try await listEmergency(call) }
        guarded(.get, "lists/:id/import", .importer) { call in try await importForm(call) }
        guarded(.post, "lists/:id/import", .importer, maximumBody: Self.maximumImport) { call in try await startImport(call) }
        guarded(.get, "imports/:job", .view) { call in try await importPage(call) }
        guarded(.get, "imports/:job/events", .view) { call in try await importEvents(call) }
        guarded(.get, "subscribers", .view) { call in try await searchSubscribers(call) }
        guarded(.get, "subscribers/:id", .view) { call in try await subscriberPage(call) }
        guarded(.get, "suppressions", .view) { call in try await suppressions(call) }
        return routes
    }

    // MARK: The checks every guarded route passes

    private func check(
        _ request: Request, _ context: WebRequestContext, _ permission: DashboardPermission, maximumBody: Int,
        _ handler: @Sendable (Call) async throws -> Response
    ) async throws -> Response {
        guard let session = try await session(request) else {
            if request.method == .get {
                let next = request.uri.path.isEmpty ? "/" : request.uri.path
                return Self.redirect(
                    "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "+", "?"])) ?? "/"))
            }
            return page(
                .unauthorized, title: "Log in", template: "error", ["heading": "Log in first", "message": "Your session ended. Log in again."],
                session: nil)
        }
        guard permission.allows(session.user) else {
            return page(
                .forbidden, title: "Not allowed", template: "error",
                [
                    "heading": "Not allowed",
                    "message":
                        "This needs the role \(permission.roles.map(\.rawValue).sorted().joined(separator: " or ")); you are \(Self.roles(session.user)).",
                ],
                session: session)
        }
        var form: [String: String] = [:]
        var body = ByteBuffer()
        if request.method == .post {
            var request = request
            do {
                body = try await request.collectBody(upTo: maximumBody)
            } catch {
                return page(
                    .contentTooLarge, title: "Too large", template: "error",
                    ["heading": "Too large", "message": "The request is larger than \(maximumBody / 1_048_576) MiB."], session: session)
            }
            if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                form = DashboardForm.parse(String(buffer: body))
            }
            // Forms carry the token as a field; the page's script sends it as a header with a file.
            guard let token = form["csrf"] ?? request.headers[Self.csrfHeader], AccessSecret.equal(token, session.csrfToken) else {
                return page(
                    .forbidden, title: "Form expired", template: "error",
                    [
                        "heading": "This form has expired",
                        "message": "Reload the page and try again (the form's security token did not match your session).",
                    ],
                    session: session)
            }
        }
        return try await handler(Call(request: request, context: context, session: session, form: form, body: body))
    }

    /// The live session of the request's cookie, or nil.
    func session(_ request: Request) async throws -> WebSession? {
        guard let value = request.cookies[Self.cookie]?.value, value.utf8.count <= 128, !value.isEmpty else { return nil }
        return try await store.webSession(tokenHash: AccessSecret.hash(value))
    }

    // MARK: Responses

    /// A page in the layout; `problem` and `notice` are shown above it.
    func page(
        _ status: HTTPResponse.Status, title: String, template: String, _ values: [String: Any], session: WebSession?,
        notice: String? = nil, problem: String? = nil
    ) -> Response {
        var values = values
        if let session { values["csrf"] = session.csrfToken }
        let body = DashboardTemplates.render(template, values)
        var layout: [String: Any] = ["title": title, "body": body]
        if let session { layout["user"] = ["name": session.user.name, "roles": Self.roles(session.user), "csrf": session.csrfToken] }
        if let notice { layout["notice"] = notice }
        if let problem { layout["problem"] = problem }
        return Self.html(status, DashboardTemplates.render("layout", layout))
    }

    static func html(_ status: HTTPResponse.Status, _ html: String) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        DashboardHeaders.apply(&headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location]
        DashboardHeaders.apply(&headers)
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type]
        DashboardHeaders.apply(&headers)
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func roles(_ user: User) -> String { user.roles.sorted().map(\.rawValue).joined(separator: ", ") }

    /// Dates as people read them in a table (UTC).
    static func when(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)) + " UTC"
    }
}

/// The headers of every dashboard response: nothing cached, no referrer, no framing by others, and a
/// Content-Security-Policy that allows only this origin's script and style (no inline script at
/// all) and no request to any other origin; no referrer leaves the site.
enum DashboardHeaders {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func apply(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.cacheControl] = "no-store"
        // Not `no-referrer`: with it a browser sends `Origin: null` on the page's own forms, and the
        // log-in's same-origin check could not tell them from another site's.
        headers[.init("Referrer-Policy")!] = "same-origin"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("X-Frame-Options")!] = "DENY"
    }
}

/// `application/x-www-form-urlencoded` bodies, as browsers send forms.
enum DashboardForm {
    /// The fields of a form body; a repeated field keeps its first value; a field without `=` is empty.
    static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
