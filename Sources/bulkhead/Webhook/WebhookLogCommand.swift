import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead webhook log [--json] [--limit N]`.
struct WebhookLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the webhook delivery log, newest attempt first.",
        discussion: "Example:\n  bulkhead webhook log --limit 20"
    )

    @OptionGroup var config: ConfigOption
    @Flag(help: "Print JSON: an array of {at, delivery, event, url, attempt, status, status_code, error}.") var json = false
    @Option(help: "At most this many attempts (1 to 10000).") var limit = 50

    struct Row: Encodable {
        var at: Date
        var delivery: String
        var event: String
        var url: String
        var attempt: Int
        var status: String
        var statusCode: Int?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case at, delivery, event, url, attempt, status, error
            case statusCode = "status_code"
        }
    }

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
    }

    func run() async throws {
        let rows = try await config.withStore { store, _ in
            try await store.webhookAttempts(limit: limit).map {
                // A URL's user information and query may hold a token: shown without them.
                Row(
                    at: $0.at, delivery: $0.attempt.delivery, event: $0.attempt.event, url: WebhookTarget.display($0.attempt.url),
                    attempt: $0.attempt.attempt, status: $0.attempt.status.rawValue, statusCode: $0.attempt.statusCode, error: $0.attempt.error)
            }
        }
        if json {
            print(CLIJSON.encode(rows))
        } else if rows.isEmpty {
            print("no webhook delivery yet")
        } else {
            for row in rows {
                let answer = row.statusCode.map { "HTTP \($0)" } ?? "no answer"
                print(
                    "\(row.at.formatted(.iso8601)) \(row.status) \(row.event) \(row.delivery) attempt \(row.attempt) to \(row.url): \(answer)"
                        + (row.error.map { row.statusCode == nil ? " (\($0))" : "" } ?? ""))
            }
        }
    }
}
