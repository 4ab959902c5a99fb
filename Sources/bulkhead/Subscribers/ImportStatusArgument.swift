import ArgumentParser
import BulkheadStore

/// The `--status` values of an import.
enum ImportStatusArgument: String, ExpressibleByArgument, CaseIterable {
    case confirmed, unconfirmed

    var status: MembershipStatus { self == .confirmed ? .confirmed : .unconfirmed }
}
