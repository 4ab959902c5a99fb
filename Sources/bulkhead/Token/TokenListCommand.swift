import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead token list [--user NAME] [--json]`.
struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List API tokens, newest first: id, user, scopes, label, created, revoked (never a token or its hash).",
        discussion: "Examples:\n  bulkhead token list\n  bulkhead token list --user ann --json"
    )

    @OptionGroup var config: ConfigOption
    @Option(help: "Only this user's tokens.") var user: String?
    @Flag(help: "Print JSON: an array of {id, user, scopes, label, created_at, revoked_at}.") var json = false

    struct Row: Encodable, Equatable {
        var id: Int64
        var user: String
        var scopes: [String]
        var label: String
        var createdAt: Date
        var revokedAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, user, scopes, label
            case createdAt = "created_at"
            case revokedAt = "revoked_at"
        }
    }

    func run() async throws {
        let rows = try await config.withStore { store, _ in
            try await store.apiTokens(userName: user).map {
                Row(
                    id: $0.id, user: $0.userName, scopes: $0.scopes.sorted().map(\.rawValue), label: $0.label, createdAt: $0.createdAt,
                    revokedAt: $0.revokedAt)
            }
        }
        if json {
            print(CLIJSON.encode(rows))
        } else if rows.isEmpty {
            print("no API tokens (bulkhead token create --user NAME --scopes read)")
        } else {
            print(Self.table(rows))
        }
    }

    /// Columns ID, USER, SCOPES, CREATED, REVOKED, LABEL.
    static func table(_ rows: [Row]) -> String {
        let cells =
            [["ID", "USER", "SCOPES", "CREATED", "REVOKED", "LABEL"]]
            + rows.map {
                [
                    String($0.id), $0.user, $0.scopes.joined(separator: ","), $0.createdAt.formatted(.iso8601),
                    $0.revokedAt?.formatted(.iso8601) ?? "-", $0.label,
                ]
            }
        let widths = (0..<6).map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            row.enumerated().map { column, cell in
                column == 5 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
