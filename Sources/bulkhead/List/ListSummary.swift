import BulkheadStore

/// A list and how many members it has in each status.
struct ListSummary: Encodable {
    var id: Int64
    var name: String
    var description: String
    var createdAt: String
    var confirmed: Int
    var unconfirmed: Int
    var unsubscribed: Int

    init(list: MailingList, counts: [MembershipStatus: Int]) {
        id = list.id.rawValue
        name = list.name
        description = list.description
        createdAt = CLITime.format(list.createdAt)
        confirmed = counts[.confirmed] ?? 0
        unconfirmed = counts[.unconfirmed] ?? 0
        unsubscribed = counts[.unsubscribed] ?? 0
    }

    var text: String {
        var line = "\(name)  confirmed \(confirmed), unconfirmed \(unconfirmed), unsubscribed \(unsubscribed)  (id \(id), created \(createdAt))"
        if !description.isEmpty { line += "\n  \(description)" }
        return line
    }
}
