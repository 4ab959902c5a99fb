import BulkheadEngine
import BulkheadSMTP
import BulkheadStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

@testable import BulkheadWeb

/// An embedded installation (SQLite, the capture mailbox, a ``ManualClock``) with the lists `news`
/// (public sign-up on) and `closed` (off), for the sign-up, confirmation and preference pages.
struct SignUpWorld {
    let directory: URL
    let environment: BulkheadEnvironment
    let clock: ManualClock
    let news: MailingList
    let closed: MailingList

    var store: any MailStore { environment.store }

    var application: some ApplicationProtocol {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let server = PublicWebServer(
            addresses: [], unsubscribe: environment.oneClickUnsubscribe, requestsPerTokenPerMinute: 10, clock: clock, logger: logger,
            environment: environment)
        return Application(router: server.router())
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func make() async throws -> SignUpWorld {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signup-\(UUID().uuidString)")
        var configuration = BulkheadConfiguration()
        configuration.dataDirectory = directory.path
        configuration.identity.from = "Shop <news@shop.example>"
        configuration.identity.unsubscribeBaseURL = "https://lists.shop.example"
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let clock = ManualClock()
        let environment = try await BulkheadEnvironment.open(configuration, logger: logger, clock: clock)
        let news = try await environment.store.createList(name: "news", description: "")
        let closed = try await environment.store.createList(name: "closed", description: "")
        try await environment.store.setListSignUp(news.id, .doubleOptIn, actor: .system)
        return SignUpWorld(directory: directory, environment: environment, clock: clock, news: news, closed: closed)
    }

    func close() async {
        await environment.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every captured message, oldest first.
    func mails() throws -> [CapturedMessage] {
        let mailbox = CaptureMailbox(directory: environment.captureDirectory)
        guard FileManager.default.fileExists(atPath: environment.captureDirectory) else { return [] }
        return try mailbox.list(limit: 1_000).items.reversed().map { try mailbox.read(id: $0.id) }
    }

    /// The `/c/TOKEN` path in a captured confirmation mail.
    static func confirmationPath(_ mail: CapturedMessage) -> String? {
        let text = String(decoding: mail.bytes, as: UTF8.self)
        guard let start = text.range(of: "https://lists.shop.example/c/") else { return nil }
        let token = text[start.upperBound...].prefix { $0.isLetter || $0.isNumber }
        return "/c/" + token
    }

    func status(_ address: String, list: MailingList? = nil) async throws -> MembershipStatus? {
        guard let person = try await store.subscriber(address: try NormalizedAddress(address)) else { return nil }
        return try await store.membership(list: (list ?? news).id, subscriber: person.id)?.status
    }
}
