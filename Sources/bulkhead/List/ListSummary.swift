import BulkheadStore

/// A list and how many members it has in each status; a hosted list's address, policy and switch.
struct ListSummary: Encodable {
    var id: Int64
    var name: String
    var description: String
    var createdAt: String
    var confirmed: Int
    var unconfirmed: Int
    var unsubscribed: Int
    /// Only for a list with an address (omitted from JSON otherwise).
    var hosting: Hosting?

    struct Hosting: Encodable {
        var address: String
        /// The policy in force.
        var policy: String
        /// Whether it comes from `--policy` (else the default by size).
        var policyExplicit: Bool
        var emergency: Bool
        var owner: String?
        var posters: [String]
    }

    init(list: MailingList, counts: [MembershipStatus: Int], hosted: HostedList? = nil, moderateFrom: Int = 500) {
        id = list.id.rawValue
        name = list.name
        description = list.description
        createdAt = CLITime.format(list.createdAt)
        confirmed = counts[.confirmed] ?? 0
        unconfirmed = counts[.unconfirmed] ?? 0
        unsubscribed = counts[.unsubscribed] ?? 0
        hosting = hosted.map { hosted in
            Hosting(
                address: hosted.address, policy: hosted.policy(moderateFrom: moderateFrom).rawValue, policyExplicit: hosted.explicitPolicy != nil,
                emergency: hosted.emergency, owner: hosted.owner, posters: hosted.posters)
        }
    }

    var text: String {
        var line = "\(name)  confirmed \(confirmed), unconfirmed \(unconfirmed), unsubscribed \(unsubscribed)  (id \(id), created \(createdAt))"
        if !description.isEmpty { line += "\n  \(description)" }
        if let hosting {
            line += "\n  address \(hosting.address), policy \(hosting.policy)\(hosting.policyExplicit ? "" : " (default by size)")"
            if hosting.emergency { line += ", EMERGENCY SWITCH ON: every post is held" }
            if !hosting.posters.isEmpty { line += "\n  posters: \(hosting.posters.joined(separator: ", "))" }
        }
        return line
    }
}
