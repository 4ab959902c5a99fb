import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import BulkheadWeb

/// The dashboard through Hummingbird's router over a real SQLite store and the capture mailbox, on
/// a ``ManualClock``: log-in, sessions, CSRF, the role × route matrix, four eyes, the stop buttons.
@Suite struct DashboardTests {
    struct World: Sendable {
        let directory: String
        let environment: BulkheadEnvironment
        let clock: ManualClock
        let campaign: Campaign

        var store: any MailStore { environment.store }

        /// The routes as `serve` has them (the public pages' headers middleware included).
        func router(secureCookies: Bool = false) -> (Router<WebRequestContext>, [Dashboard.RouteInfo]) {
            let router = Router(context: WebRequestContext.self)
            router.add(middleware: PrivacyHeaders())
            let routes = Dashboard(environment: environment, secureCookies: secureCookies).add(to: router)
            return (router, routes)
        }

        var application: some ApplicationProtocol { Application(router: router().0) }

        /// A new session for `user` (straight into the store: bcrypt is tested once, in the log-in tests).
        func session(_ user: String) async throws -> (cookie: String, csrf: String) {
            let token = AccessSecret.make()
            let csrf = AccessSecret.make()
            try await store.createWebSession(
                NewWebSession(tokenHash: AccessSecret.hash(token), userName: user, csrfToken: csrf, expiresAt: clock.date.addingTimeInterval(3_600)))
            return ("\(Dashboard.cookie)=\(token)", csrf)
        }

        func close() async {
            await environment.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static let passwords = ["admin": "admin-pass-1", "ann": "ann-pass-1", "bob": "bob-pass-1", "rita": "rita-pass-1", "carl": "carl-pass-1"]

    static func world() async throws -> World {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString)").path
        var configuration = BulkheadConfiguration()
        configuration.dataDirectory = directory
        let clock = ManualClock()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let environment = try await BulkheadEnvironment.open(configuration, logger: logger, clock: clock)
        let store = environment.store
        let hasher = PasswordHasher(cost: 4)
        let roles: [(String, Set<UserRole>)] = [
            ("admin", [.admin]), ("ann", [.author]), ("bob", [.approver]), ("rita", [.relay]), ("carl", [.author, .approver]),
        ]
        for (name, role) in roles {
            _ = try await store.createUser(NewUser(name: name, roles: role, passwordHash: try await hasher.hash(passwords[name]!)), actor: .system)
        }
        let list = try await store.createList(name: "news", description: "")
        for index in 0..<3 {
            let subscriber = try await store.upsertSubscriber(
                address: try NormalizedAddress("p\(index)@example.org"), name: "P\(index)", attributes: [:])
            _ = try await store.setMembership(
                list: list.id, subscriber: subscriber.id, status: .confirmed,
                consent: ConsentEvidence(kind: .given, at: clock.date, method: .form, source: "test"))
        }
        let campaign = try await store.createCampaign(
            CampaignContent(
                name: "<b>Spring</b>", listID: list.id, from: configuration.identity.from, subjectTemplate: "Hi {{first_name}}",
                textTemplate: "Hello {{first_name}}\n{{unsubscribe_url}}", htmlTemplate: "<p>Hello {{first_name}}</p>"),
            actor: .human("ann"))
        return World(directory: directory, environment: environment, clock: clock, campaign: campaign)
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Every route and what it needs: a route added without a line here fails `everyRouteIsInTheTable`.
    static let table: [(method: HTTPRequest.Method, path: String, permission: DashboardPermission?)] = [
        (.get, "assets/app.css", nil), (.get, "assets/app.js", nil), (.get, "login", nil), (.post, "login", nil),
        (.post, "logout", .view), (.get, "", .view), (.post, "stop-all", .stop), (.post, "stop-all/release", .admin),
        (.get, "campaigns/new", .author), (.post, "campaigns", .author), (.get, "campaigns/:id", .view),
        (.get, "campaigns/:id/preview.html", .view), (.get, "campaigns/:id/events", .view), (.post, "campaigns/:id/send", .author),
        (.post, "campaigns/:id/promote", .author), (.post, "campaigns/:id/pause", .stop), (.post, "campaigns/:id/abort", .stop),
        (.post, "campaigns/:id/cancel", .stop), (.post, "campaigns/:id/approve", .approver), (.post, "campaigns/:id/reject", .approver),
        (.get, "approvals", .view), (.get, "holds", .view), (.post, "holds/:id/release", .holdDecision),
        (.post, "holds/:id/discard", .holdDecision), (.post, "holds/:id/recall", .stop), (.get, "captured", .view),
        (.get, "captured/:id", .view), (.get, "campaigns/:id/incident", .view), (.get, "campaigns/:id/incident/:format", .view),
        (.get, "drill", .view), (.post, "drill", .view), (.get, "lists", .view), (.post, "lists/:id/emergency", .stop),
        (.get, "lists/:id/import", .importer), (.post, "lists/:id/import", .importer), (.get, "imports/:job", .view),
        (.get, "imports/:job/events", .view), (.get, "subscribers", .view), (.get, "subscribers/:id", .view), (.get, "suppressions", .view),
    ]

    /// Routes whose allowed call is too heavy for the matrix (a whole drill): only their refusals are
    /// checked there; the browser test runs them.
    static let refusalsOnly: Set<String> = ["POST drill"]

    @Test func everyRouteIsInTheTable() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        #expect(
            world.router().1.map { "\($0.method.rawValue) \($0.path) \($0.permission?.rawValue ?? "public")" }
                == Self.table.map { "\($0.method.rawValue) \($0.path) \($0.permission?.rawValue ?? "public")" })
    }

    /// Each guarded route for each kind of user: nobody (redirected to log in, or 401), a relay-only
    /// user, an author, an approver, an admin. Allowed means neither 401 nor 403; refused means 403.
    @Test(arguments: ["nobody", "rita", "ann", "bob", "admin"])
    func roleByRouteMatrix(user: String) async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let users = try await world.store.allUsers()
        // The events stream is checked on a finished campaign: it ends after its first event.
        _ = try await world.store.transition(world.campaign.id, from: [.draft], to: .cancelled, actor: .system)
        try await world.application.test(.router) { client in
            for route in Self.table {
                guard let permission = route.permission else { continue }
                let path =
                    "/" + route.path.replacingOccurrences(of: ":id", with: route.path.hasPrefix("campaigns") ? "\(world.campaign.id.rawValue)" : "1")
                var headers: HTTPFields = route.method == .post ? Self.form : [:]
                var body = ByteBuffer()
                if user != "nobody" {
                    let session = try await world.session(user)
                    headers[.cookie] = session.cookie
                    // on=1: the emergency switch is turned on (anyone may); off needs more (tested apart).
                    body = ByteBuffer(string: "csrf=\(session.csrf)&on=1")
                }
                if let account = users.first(where: { $0.name == user }), permission.allows(account),
                    Self.refusalsOnly.contains("\(route.method.rawValue) \(route.path)")
                {
                    continue
                }
                let response = try await client.execute(uri: path, method: route.method, headers: headers, body: body)
                let label = "\(route.method.rawValue) \(path) as \(user)"
                guard let account = users.first(where: { $0.name == user }) else {
                    #expect(response.status == (route.method == .get ? .seeOther : .unauthorized), "\(label)")
                    if route.method == .get { #expect(response.headers[.location]?.hasPrefix("/login?next=") == true, "\(label)") }
                    continue
                }
                if permission.allows(account) {
                    #expect(response.status != .forbidden && response.status != .unauthorized, "\(label): \(response.status)")
                } else {
                    #expect(response.status == .forbidden, "\(label): \(response.status)")
                }
            }
        }
    }

    @Test func aPostWithoutTheSessionsCSRFTokenChangesNothing() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let ann = try await world.session("ann")
        let other = try await world.session("ann")
        try await world.application.test(.router) { client in
            for body in ["", "csrf=", "csrf=\(other.csrf)", "csrf=\(ann.csrf)x"] {
                let response = try await client.execute(
                    uri: "/campaigns/\(world.campaign.id.rawValue)/cancel", method: .post,
                    headers: Self.form + [.cookie: ann.cookie], body: ByteBuffer(string: body))
                #expect(response.status == .forbidden, "\(body.debugDescription)")
            }
            #expect(try await world.store.campaign(id: world.campaign.id)?.state == .draft)
            let response = try await client.execute(
                uri: "/campaigns/\(world.campaign.id.rawValue)/cancel", method: .post, headers: Self.form + [.cookie: ann.cookie],
                body: ByteBuffer(string: "csrf=\(ann.csrf)"))
            #expect(response.status == .seeOther)
            #expect(try await world.store.campaign(id: world.campaign.id)?.state == .cancelled)
        }
    }

    @Test func logInSetsAStrictHttpOnlyCookieThatOutlivesARestartAndLogOutEndsIt() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let cookie = try await world.application.test(.router) { client in
            let wrong = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "user=ann&password=nope&next=%2Fholds"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            #expect(String(buffer: wrong.body).contains("Log-in failed"))
            let relayOnly = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "user=rita&password=rita-pass-1"))
            #expect(relayOnly.status == .unauthorized, "a relay-only user has nothing to do in the dashboard")
            let right = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "user=ann&password=ann-pass-1&next=%2Fholds"))
            #expect(right.status == .seeOther)
            #expect(right.headers[.location] == "/holds")
            let set = try #require(right.headers[.setCookie])
            #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/") && !set.contains("Secure"))
            return String(set.prefix { $0 != ";" })
        }
        // A new router over the same store (a restarted serve) knows the session.
        try await Application(router: world.router(secureCookies: true).0).test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("ann (author)"))
            let csrf = try #require(Self.csrf(in: String(buffer: page.body)))
            let out = try await client.execute(
                uri: "/logout", method: .post, headers: Self.form + [.cookie: cookie], body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(out.status == .seeOther)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(out.headers[.setCookie]?.contains("Secure") == true, "Secure when the listener is behind TLS")
            let after = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
            #expect(after.status == .seeOther, "the session ended in the store")
        }
    }

    @Test func failedLogInsAreThrottledPerClientAndName() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        try await world.application.test(.router) { client in
            for _ in 0..<10 {
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "user=bob&password=guess"))
                #expect(response.status == .unauthorized)
            }
            let right = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "user=bob&password=bob-pass-1"))
            #expect(right.status == .tooManyRequests, "even the right password waits out the window")
            world.clock.advance(by: .seconds(301))
            let later = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "user=bob&password=bob-pass-1"))
            #expect(later.status == .seeOther)
        }
    }

    @Test func aLogInFromAnotherOriginIsRefused() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        try await world.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/login", method: .post, headers: Self.form + [.origin: "https://evil.example"],
                body: ByteBuffer(string: "user=ann&password=ann-pass-1"))
            #expect(response.status == .forbidden)
        }
    }

    @Test func theAuthorCannotApproveTheirOwnCampaignEvenAsAnApprover() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let own = try await world.store.createCampaign(
            CampaignContent(name: "own", listID: world.campaign.content.listID, from: "a@shop.example", subjectTemplate: "s", textTemplate: "t"),
            actor: .human("carl"))
        let carl = try await world.session("carl")
        let bob = try await world.session("bob")
        try await world.application.test(.router) { client in
            let page = try await client.execute(uri: "/campaigns/\(own.id.rawValue)", method: .get, headers: [.cookie: carl.cookie])
            #expect(!String(buffer: page.body).contains("id=\"approve\""), "no approve button for the author")
            let refused = try await client.execute(
                uri: "/campaigns/\(own.id.rawValue)/approve", method: .post, headers: Self.form + [.cookie: carl.cookie],
                body: ByteBuffer(string: "csrf=\(carl.csrf)&comment=mine"))
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("carl is the author of campaign \(own.id.rawValue)"))
            #expect(try await world.store.approvals(campaign: own.id).isEmpty)
            let approved = try await client.execute(
                uri: "/campaigns/\(own.id.rawValue)/approve", method: .post, headers: Self.form + [.cookie: bob.cookie],
                body: ByteBuffer(string: "csrf=\(bob.csrf)&comment=looks+good"))
            #expect(approved.status == .seeOther)
            #expect(try await world.store.approvals(campaign: own.id).map(\.by) == ["bob"])
            #expect(try await world.store.approvals(campaign: own.id).first?.comment == "looks good")
        }
    }

    @Test func sendGoesThroughTheGateAndStopActsOnTheStore() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let ann = try await world.session("ann")
        let id = world.campaign.id.rawValue
        try await world.application.test(.router) { client in
            let wrong = try await client.execute(
                uri: "/campaigns/\(id)/send", method: .post, headers: Self.form + [.cookie: ann.cookie],
                body: ByteBuffer(string: "csrf=\(ann.csrf)&confirm=7"))
            #expect(wrong.status == .unprocessableContent, "a wrong typed count refuses, as in the CLI")
            #expect(try await world.store.campaign(id: world.campaign.id)?.state == .draft)
            let sent = try await client.execute(
                uri: "/campaigns/\(id)/send", method: .post, headers: Self.form + [.cookie: ann.cookie],
                body: ByteBuffer(string: "csrf=\(ann.csrf)&confirm=3"))
            #expect(sent.status == .seeOther)
            let state = try await world.store.campaign(id: world.campaign.id)?.state
            #expect(state == .sending, "3 recipients: no undo window, no canary")
            #expect(try await world.store.ledgerCounts(campaign: world.campaign.id)[.queued] == 3)
            let stop = try await client.execute(
                uri: "/campaigns/\(id)/abort", method: .post, headers: Self.form + [.cookie: ann.cookie], body: ByteBuffer(string: "csrf=\(ann.csrf)")
            )
            #expect(stop.status == .seeOther)
            #expect(try await world.store.campaign(id: world.campaign.id)?.state == .aborted)
            let events = try await client.execute(uri: "/campaigns/\(id)/events", method: .get, headers: [.cookie: ann.cookie])
            #expect(events.headers[.contentType] == "text/event-stream")
            let stream = String(buffer: events.body)
            #expect(stream.hasPrefix("event: counts\ndata: {\"counts\":{\"bounced\":0,\"deferred\":0,\"failed\":0,\"queued\":3,"))
            #expect(stream.contains("\"state\":\"aborted\"") && stream.hasSuffix("event: end\ndata: {}\n\n"))
        }
    }

    @Test func stopEverythingNeedsTheTypedWordAndLatches() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let bob = try await world.session("bob")
        let admin = try await world.session("admin")
        try await world.application.test(.router) { client in
            let unconfirmed = try await client.execute(
                uri: "/stop-all", method: .post, headers: Self.form + [.cookie: bob.cookie],
                body: ByteBuffer(string: "csrf=\(bob.csrf)&reason=x&confirm=stop"))
            #expect(unconfirmed.headers[.location] == "/?done=stop-unconfirmed")
            #expect(try await world.store.latch(named: Latch.emergencyStop) == nil)
            let stopped = try await client.execute(
                uri: "/stop-all", method: .post, headers: Self.form + [.cookie: bob.cookie],
                body: ByteBuffer(string: "csrf=\(bob.csrf)&reason=wrong+list&confirm=STOP"))
            #expect(stopped.status == .seeOther)
            let latch = try #require(try await world.store.latch(named: Latch.emergencyStop))
            #expect(latch.setBy == "bob" && latch.reason == "wrong list")
            let overview = String(buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: bob.cookie]).body)
            #expect(overview.contains("Emergency stop in force") && !overview.contains("id=\"release-stop\""), "only an admin lifts it")
            let released = try await client.execute(
                uri: "/stop-all/release", method: .post, headers: Self.form + [.cookie: admin.cookie], body: ByteBuffer(string: "csrf=\(admin.csrf)"))
            #expect(released.status == .seeOther)
            #expect(try await world.store.latch(named: Latch.emergencyStop) == nil)
        }
    }

    @Test func everyPageIsEscapedHasThePolicyAndNoInlineScript() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let admin = try await world.session("carl")
        try await world.application.test(.router) { client in
            let pages = [
                "/", "/login", "/campaigns/new", "/campaigns/\(world.campaign.id.rawValue)", "/approvals", "/holds", "/captured",
                "/campaigns/\(world.campaign.id.rawValue)/incident", "/drill", "/lists", "/subscribers", "/subscribers/1", "/suppressions",
                "/lists/1/import",
            ]
            for path in pages {
                let response = try await client.execute(uri: path, method: .get, headers: path == "/login" ? [:] : [.cookie: admin.cookie])
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentSecurityPolicy] == DashboardHeaders.contentSecurityPolicy, "\(path)")
                #expect(response.headers[.init("X-Frame-Options")!] == "DENY", "\(path)")
                let html = String(buffer: response.body)
                #expect(!html.contains("<b>Spring</b>"), "\(path): the campaign's name is escaped")
                let scripts = html.components(separatedBy: "<script").dropFirst()
                #expect(scripts.allSatisfy { $0.hasPrefix(" src=\"/assets/app.js\"") }, "\(path): only the one script file")
                for attribute in ["src", "href", "action"] {
                    #expect(!html.contains("\(attribute)=\"http") && !html.contains("\(attribute)=\"//"), "\(path): nothing from another origin")
                }
            }
            let page = String(
                buffer: try await client.execute(uri: "/campaigns/\(world.campaign.id.rawValue)", method: .get, headers: [.cookie: admin.cookie]).body
            )
            #expect(page.contains("&lt;b&gt;Spring&lt;/b&gt;"))
            #expect(page.contains("<iframe title=\"HTML preview\" id=\"preview-html\" sandbox src="), "the preview runs nothing")
            let preview = try await client.execute(
                uri: "/campaigns/\(world.campaign.id.rawValue)/preview.html", method: .get, headers: [.cookie: admin.cookie])
            #expect(preview.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(preview.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(String(buffer: preview.body) == "<p>Hello Sample</p>")
        }
    }

    @Test func anImportRunsInTheBackgroundAndReportsEveryRefusedRow() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let ann = try await world.session("ann")
        let csv = ByteBuffer(
            string: "email,name\r\nnew1@example.org,New One\r\nnot an address,Bad\r\n=cmd@example.org,Formula\r\nnew2@example.org,New Two\r\n")
        let csvHeaders: HTTPFields = [.contentType: "text/csv", .cookie: ann.cookie]
        try await world.application.test(.router) { client in
            let noToken = try await client.execute(uri: "/lists/1/import?status=confirmed&source=fair", method: .post, headers: csvHeaders, body: csv)
            #expect(noToken.status == .forbidden, "the token travels in a header with a file")
            var withToken = csvHeaders
            withToken[Dashboard.csrfHeader] = ann.csrf
            let noSource = try await client.execute(uri: "/lists/1/import?status=confirmed", method: .post, headers: withToken, body: csv)
            #expect(noSource.status == .unprocessableContent)
            let started = try await client.execute(
                uri: "/lists/1/import?status=confirmed&source=trade%20fair%202026", method: .post, headers: withToken, body: csv)
            #expect(started.status == .accepted)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: started.body).utf8)) as? [String: String])
            let page = try #require(answer["page"])
            var html = ""
            for _ in 0..<100 {
                html = String(buffer: try await client.execute(uri: page, method: .get, headers: [.cookie: ann.cookie]).body)
                if html.contains("id=\"import-report\"") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(html.contains("4 rows read: 3 inserted, 0 updated, 0 duplicates, 0 kept unsubscribed, 1 invalid."), "\(html)")
            #expect(html.contains("<tr><td>3</td><td>invalid address &quot;not an address&quot;"), "the refused row by line")
            let events = String(buffer: try await client.execute(uri: page + "/events", method: .get, headers: [.cookie: ann.cookie]).body)
            #expect(events.contains("\"finished\":true") && events.hasSuffix("event: end\ndata: {}\n\n"))
        }
        let list = try #require(try await world.store.list(named: "news"))
        #expect(try await world.store.membershipCounts(list: list.id)[.confirmed] == 6)
        let new = try #require(try await world.store.subscriber(address: try NormalizedAddress("new1@example.org")))
        #expect(try await world.store.consentRecords(subscriber: new.id).first?.evidence.source == "trade fair 2026")
    }

    @Test func incidentDownloadsAndTheEmergencySwitchesRoles() async throws {
        let world = try await Self.world()
        defer { Task { await world.close() } }
        let ann = try await world.session("ann")
        let bob = try await world.session("bob")
        let id = world.campaign.id.rawValue
        try await world.application.test(.router) { client in
            let csv = try await client.execute(uri: "/campaigns/\(id)/incident/csv", method: .get, headers: [.cookie: ann.cookie])
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"campaign-\(id)-incident-recipients.csv\"")
            #expect(String(buffer: csv.body) == "address,outcome,at\r\n", "nothing was sent: the header alone")
            let markdown = try await client.execute(uri: "/campaigns/\(id)/incident/markdown", method: .get, headers: [.cookie: ann.cookie])
            #expect(markdown.status == .ok && String(buffer: markdown.body).contains("# Incident report"))
            let view = try await client.execute(uri: "/campaigns/\(id)/incident/view", method: .get, headers: [.cookie: ann.cookie])
            #expect(view.headers[.contentSecurityPolicy] == Dashboard.framedDocumentPolicy && view.headers[.contentDisposition] == nil)
            let unknown = try await client.execute(uri: "/campaigns/\(id)/incident/pdf", method: .get, headers: [.cookie: ann.cookie])
            #expect(unknown.status == .notFound)
            let off = try await client.execute(
                uri: "/lists/1/emergency", method: .post, headers: Self.form + [.cookie: ann.cookie],
                body: ByteBuffer(string: "csrf=\(ann.csrf)&on=0"))
            #expect(off.status == .forbidden, "an author may hold a list's posts, not let them through again")
            let offByApprover = try await client.execute(
                uri: "/lists/1/emergency", method: .post, headers: Self.form + [.cookie: bob.cookie],
                body: ByteBuffer(string: "csrf=\(bob.csrf)&on=0"))
            #expect(offByApprover.status == .notFound, "allowed, and news is not a hosted list")
        }
    }

    @Test func nextAfterLogInStaysOnThisSite() {
        #expect(Dashboard.localPath("/campaigns/1") == "/campaigns/1")
        for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/a b", nil, "", "/\u{0}"] {
            #expect(Dashboard.localPath(hostile) == "/", "\(hostile.debugDescription)")
        }
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension HTTPFields {
    fileprivate static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var fields = lhs
        fields.append(contentsOf: rhs)
        return fields
    }
}
