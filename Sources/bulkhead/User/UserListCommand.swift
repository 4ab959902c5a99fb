import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead user list [--json]`.
struct UserListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List users: name, roles, whether disabled, when created (never a password hash).",
        discussion: "Example:\n  bulkhead user list --json"
    )

    @OptionGroup var config: ConfigOption
    @Flag(help: "Print JSON.") var json = false

    struct Row: Encodable {
        var name: String
        var roles: [String]
        var disabled: Bool
        var createdAt: Date
    }

    func run() async throws {
        let rows = try await config.withStore { store, _ in
            try await store.allUsers().map {
                Row(name: $0.name, roles: $0.roles.sorted().map(\.rawValue), disabled: $0.disabled, createdAt: $0.createdAt)
            }
        }
        if json {
            print(CLIJSON.encode(rows))
        } else if rows.isEmpty {
            print("no users: anyone acts as the OS user (create the first, an admin: bulkhead user create NAME --role admin,author --password-stdin)")
        } else {
            print(Self.table(rows))
        }
    }

    /// Columns NAME, ROLES, DISABLED, CREATED, padded to the widest value.
    static func table(_ rows: [Row]) -> String {
        let cells =
            [["NAME", "ROLES", "DISABLED", "CREATED"]]
            + rows.map { [$0.name, $0.roles.joined(separator: ","), $0.disabled ? "yes" : "no", $0.createdAt.formatted(.iso8601)] }
        let widths = (0..<4).map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            row.enumerated().map { column, cell in
                column == 3 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
