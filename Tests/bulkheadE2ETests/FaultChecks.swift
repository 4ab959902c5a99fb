import BulkheadStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What every fault test checks at the end: the sink against the ledger.
struct SinkVersusLedger {
    /// How many copies each address received.
    var received: [String: Int] = [:]
    var byState: [LedgerState: [LedgerEntry]] = [:]

    init(_ records: [SinkRecord], _ ledger: [LedgerEntry]) {
        for record in records { for rcpt in record.rcpts { received[rcpt, default: 0] += 1 } }
        byState = Dictionary(grouping: ledger, by: \.state)
    }

    func count(_ state: LedgerState) -> Int { byState[state]?.count ?? 0 }

    /// Zero recipients with two copies; every `sent` entry arrived; whatever arrived is `sent` or
    /// `uncertain` (the one state that honestly says "maybe"); none is left in flight or queued.
    func expectNoDuplicatesAndSentArrived(_ label: String, allowed: Set<LedgerState> = [.sent, .uncertain]) {
        let duplicates = received.filter { $0.value > 1 }
        #expect(duplicates.isEmpty, "\(label): \(duplicates.count) recipients with more than one copy: \(duplicates.keys.sorted().prefix(20))")
        let missing = (byState[.sent] ?? []).filter { received[$0.address.value] == nil }
        #expect(missing.isEmpty, "\(label): \(missing.count) entries are sent but never arrived, e.g. \(missing.prefix(5).map(\.address.value))")
        let maybe = Set(((byState[.sent] ?? []) + (byState[.uncertain] ?? [])).map(\.address.value))
        let unexplained = received.keys.filter { !maybe.contains($0) }
        #expect(
            unexplained.isEmpty,
            "\(label): \(unexplained.count) arrived but the ledger says neither sent nor uncertain, e.g. \(unexplained.prefix(5))")
        #expect(Set(byState.keys).isSubset(of: allowed), "\(label): states \(byState.mapValues(\.count))")
    }
}

extension Workspace {
    /// Waits until campaign `id` is in `state` (polling the store every 250 ms), failing after `timeout`
    /// with `context()` in the message.
    func waitForCampaign(_ id: Int64, state: CampaignState, timeout: Duration, context: () -> String = { "" }) async throws {
        let deadline = ContinuousClock.now + timeout
        var last: CampaignState?
        while ContinuousClock.now < deadline {
            last = try? await campaign(id).state
            if last == state { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw E2EError("campaign \(id) is \(last?.rawValue ?? "unreadable"), not \(state.rawValue), after \(timeout). \(context())")
    }

    /// `campaign schedule ID --at now`: `bulkhead serve` starts it on its next pass.
    func scheduleNow(_ id: Int64) async throws {
        try await bulkhead(["campaign", "schedule", "\(id)", "--at", Date().formatted(.iso8601)])
    }
}

/// Stops a long-running child gently (SIGTERM, as a service manager would), then hard.
func stopChild(_ child: ChildProcess) async {
    child.signal(SIGTERM)
    if (try? await child.wait(timeout: .seconds(15))) == nil {
        child.signal(SIGKILL)
        _ = try? await child.wait(timeout: .seconds(5))
    }
}

/// Seconds with one decimal, for the FIGURE lines.
func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }
