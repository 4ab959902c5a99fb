import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird

extension Dashboard {
    /// How often the live view is refreshed.
    static let eventInterval: Duration = .milliseconds(500)
    /// How long one event stream lasts before the browser reconnects (EventSource does so itself).
    static let eventStreamSeconds = 600

    /// `GET /campaigns/:id/events`: server-sent events, one `counts` event every half second with the
    /// state, the ledger's counts, the rate over the last seconds, an ETA and the undo deadline; an
    /// `end` event once the campaign is in a final state and no message is in flight. The stream ends
    /// when the client goes.
    func campaignEvents(_ call: Call) async throws -> Response {
        guard let first = try await campaign(call) else { return notFound(call, "such campaign") }
        let id = first.id
        let store = self.store
        let clock = environment.clock
        let headers = Self.eventStreamHeaders
        let body = ResponseBody { writer in
            var samples: [(at: Date, done: Int)] = []
            let end = clock.date.addingTimeInterval(TimeInterval(Self.eventStreamSeconds))
            while clock.date < end {
                guard let campaign = try await store.campaign(id: id) else { break }
                let counts = try await store.ledgerCounts(campaign: id)
                let bounced = try await store.bounceCounts(campaign: id).values.reduce(0, +)
                let now = clock.date
                let done = Self.finished.reduce(0) { $0 + counts[$1] }
                samples.append((now, done))
                samples.removeAll { now.timeIntervalSince($0.at) > 10 }
                let event = LiveCounts(campaign: campaign, counts: counts, bounced: bounced, samples: samples)
                try await writer.write(ByteBuffer(string: "event: counts\ndata: \(event.json)\n\n"))
                // A stopped campaign's messages in flight still complete: the stream ends once none is.
                if campaign.state.isTerminal && counts[.sending] == 0 {
                    try await writer.write(ByteBuffer(string: "event: end\ndata: {}\n\n"))
                    break
                }
                try await clock.sleep(for: Self.eventInterval)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The headers of a server-sent event stream (the live view, an import's progress).
    static var eventStreamHeaders: HTTPFields {
        var headers: HTTPFields = [.contentType: "text/event-stream"]
        DashboardHeaders.apply(&headers)
        return headers
    }

    /// The ledger states that count as done for the rate and the ETA.
    static let finished: [LedgerState] = [.sent, .failed, .uncertain, .suppressed]
}

/// One `counts` event of the live view.
struct LiveCounts: Encodable {
    let state: String
    let counts: [String: Int]
    let total: Int
    /// Messages finished per second over the last seconds; nil before two samples.
    let rate: Double?
    /// Seconds until the queue is empty at that rate; nil when unknown.
    let eta: Int?
    /// The end of the undo window, while pending.
    let deadline: String?

    init(campaign: Campaign, counts: LedgerCounts, bounced: Int, samples: [(at: Date, done: Int)]) {
        state = campaign.state.rawValue
        var shown = Dictionary(uniqueKeysWithValues: Dashboard.countKeys.map { ($0.rawValue, counts[$0]) })
        shown["bounced"] = bounced
        self.counts = shown
        total = counts.total
        if let oldest = samples.first, let newest = samples.last, newest.at.timeIntervalSince(oldest.at) >= 1 {
            let perSecond = Double(newest.done - oldest.done) / newest.at.timeIntervalSince(oldest.at)
            rate = perSecond
            let left = counts[.queued] + counts[.sending] + counts[.deferred]
            eta = perSecond > 0 ? Int((Double(left) / perSecond).rounded(.up)) : nil
        } else {
            rate = nil
            eta = nil
        }
        deadline = campaign.state == .pending ? campaign.stateDeadline?.formatted(.iso8601) : nil
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
