/// Why a weighted choice cannot be built.
public struct WeightedUpstreamsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A readable explanation.
    public var description: String

    /// Creates an error.
    public init(description: String) { self.description = description }
}

/// Picks one of several upstreams in proportion to their weights (weight 3 is picked three times as
/// often as weight 1). Pure; the caller supplies the random number generator.
///
/// ```swift
/// let choice = try WeightedUpstreams([(localPostfix, 3), (providerRelay, 1)])
/// var rng = SystemRandomNumberGenerator()
/// let transport = choice.pick(using: &rng)
/// ```
public struct WeightedUpstreams<Element> {
    /// The entries and their weights, as given.
    public let entries: [(element: Element, weight: Int)]
    private let cumulative: [Int]

    /// Builds the choice; every weight must be positive and there must be at least one entry.
    public init(_ entries: [(Element, Int)]) throws(WeightedUpstreamsError) {
        guard !entries.isEmpty else { throw WeightedUpstreamsError(description: "no upstreams configured") }
        var sums: [Int] = []
        var total = 0
        for (index, entry) in entries.enumerated() {
            guard entry.1 > 0 else {
                throw WeightedUpstreamsError(description: "upstream \(index) has weight \(entry.1); weights must be positive")
            }
            let (sum, overflow) = total.addingReportingOverflow(entry.1)
            guard !overflow else { throw WeightedUpstreamsError(description: "weights too large") }
            total = sum
            sums.append(total)
        }
        self.entries = entries.map { (element: $0.0, weight: $0.1) }
        self.cumulative = sums
    }

    /// Sum of all weights.
    public var totalWeight: Int { cumulative.last ?? 0 }

    /// Picks an element with probability weight / totalWeight.
    public func pick(using rng: inout some RandomNumberGenerator) -> Element {
        let ticket = Int.random(in: 0..<totalWeight, using: &rng)
        // first cumulative sum greater than the ticket (binary search)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > ticket { high = middle } else { low = middle + 1 }
        }
        return entries[low].element
    }
}

extension WeightedUpstreams: Sendable where Element: Sendable {}

/// Delivers each message through one of several transports chosen by weight.
///
/// ```swift
/// let transport = try WeightedTransport([(postfixPool, 3), (relayPool, 1)])
/// ```
public struct WeightedTransport: MessageTransport {
    private let transports: [any MessageTransport]
    private let choice: WeightedUpstreams<Int>
    /// Indices of `transports`, heaviest first: the order in which the others are tried.
    private let byWeight: [Int]

    /// Builds the transport; weights must be positive.
    public init(_ transports: [(any MessageTransport, Int)]) throws(WeightedUpstreamsError) {
        self.transports = transports.map(\.0)
        choice = try WeightedUpstreams(transports.enumerated().map { ($0.offset, $0.element.1) })
        byWeight = transports.indices.sorted { transports[$0].1 > transports[$1].1 }
    }

    /// Picks a transport by weight and delivers through it. When that upstream is down (`postponed`),
    /// each other upstream is tried once, heaviest first; when all are down, the soonest retry is returned.
    public func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
        await deliver { await $0.deliver(envelope, message) }
    }

    /// As ``deliver(_:_:)``, each upstream tried asking `lastLook` before the message goes out.
    public func deliver(_ envelope: Envelope, _ message: [UInt8], lastLook: @escaping LastLook) async -> DeliveryOutcome {
        await deliver { await $0.deliver(envelope, message, lastLook: lastLook) }
    }

    private func deliver(through send: (any MessageTransport) async -> DeliveryOutcome) async -> DeliveryOutcome {
        var rng = SystemRandomNumberGenerator()
        let first = choice.pick(using: &rng)
        var outcome = await send(transports[first])
        guard case .postponed(let detail, var soonest) = outcome else { return outcome }
        // Kept back by the sender: no other upstream is tried.
        if detail == .note(DeliveryOutcome.withdrawnNote) { return outcome }
        for index in byWeight where index != first {
            let next = await send(transports[index])
            guard case .postponed(_, let retryAfter) = next else { return next }
            if retryAfter < soonest {
                soonest = retryAfter
                outcome = next
            }
        }
        return outcome
    }
}
