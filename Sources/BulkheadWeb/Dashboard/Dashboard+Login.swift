import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird

extension Dashboard {
    /// `GET /login`: the form (or the overview, for someone logged in).
    func loginPage(_ request: Request) async throws -> Response {
        if try await session(request) != nil { return Self.redirect("/") }
        let noUsers = try await store.allUsers().isEmpty
        let next = Self.localPath(request.uri.queryParameters["next"].map(String.init))
        return page(.ok, title: "Log in", template: "login", ["noUsers": noUsers, "next": next], session: nil)
    }

    /// `POST /login`: bcrypt against the user table, rate-limited per client and per name; a new
    /// session in the store and its cookie. Every failure reads the same.
    func logIn(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        var request = request
        guard Self.sameOrigin(request) else {
            return page(
                .forbidden, title: "Log in", template: "error", ["heading": "Refused", "message": "A log-in from another site."], session: nil)
        }
        let body = try await request.collectBody(upTo: 16 * 1_024)
        let form = DashboardForm.parse(String(buffer: body))
        let name = form["user"] ?? ""
        let password = form["password"] ?? ""
        let next = Self.localPath(form["next"])
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        let now = environment.clock.now
        guard throttle.allows(client: client, user: name, at: now) else {
            return page(
                .tooManyRequests, title: "Log in", template: "login", ["userName": name, "next": next], session: nil,
                problem: "Too many failed log-ins: wait a few minutes.")
        }
        guard let user = try await UserAuthentication.authenticate(store, name: name, password: password), DashboardPermission.view.allows(user)
        else {
            throttle.recordFailure(client: client, user: name, at: now)
            return page(
                .unauthorized, title: "Log in", template: "login", ["userName": name, "next": next], session: nil,
                problem: "Log-in failed: check the user name and the password.")
        }
        let token = AccessSecret.make()
        try await store.createWebSession(
            NewWebSession(
                tokenHash: AccessSecret.hash(token), userName: user.name, csrfToken: AccessSecret.make(),
                expiresAt: environment.clock.date.addingTimeInterval(TimeInterval(Self.sessionSeconds))))
        var response = Self.redirect(next)
        response.setCookie(
            Cookie(name: Self.cookie, value: token, maxAge: Self.sessionSeconds, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// `POST /logout`: the session ends in the store; the cookie is cleared.
    func logOut(_ call: Call) async throws -> Response {
        if let value = call.request.cookies[Self.cookie]?.value {
            _ = try await store.endWebSession(tokenHash: AccessSecret.hash(value))
        }
        var response = Self.redirect("/login")
        response.setCookie(Cookie(name: Self.cookie, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// A path on this site to go to after the log-in: `/…` but never `//…` (another host) or a
    /// backslash trick; anything else is `/`.
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), text.utf8.count <= 512,
            text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return "/" }
        return text
    }

    /// A browser's POST from another origin says so in `Origin`; one without it (curl, old browsers)
    /// passes, SameSite=Strict and the CSRF tokens do the rest.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}
