import ArgumentParser
import BulkheadStore

/// The membership statuses as arguments.
enum MembershipStatusArgument: String, ExpressibleByArgument, CaseIterable {
    case confirmed, unconfirmed, unsubscribed

    var status: MembershipStatus { MembershipStatus(rawValue: rawValue) ?? .unconfirmed }
}
