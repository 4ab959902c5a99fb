import ArgumentParser
import BulkheadSMTP
import Foundation
import Synchronization

/// `bulkhead bench sink`: a receiving SMTP server that answers each message after a fixed delay (a
/// remote MTA is latency-bound), counts what arrives and reports duplicates and the busiest second.
struct SinkBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "A delaying SMTP sink on 127.0.0.1 that counts messages, duplicate recipients and the busiest second.",
        discussion: """
            Listens on 127.0.0.1:--port (0: a free port), prints "READY <port>" once it accepts connections, and
            accepts every message, answering its final dot after --delay-ms (as a remote server's latency would).
            Every recipient address is counted: a second message to one address is a duplicate. It stops after
            --messages messages (or --timeout seconds) and prints one JSON object: messages, recipients,
            duplicates, seconds from the first to the last arrival, messages per second over that span, and
            the most messages started (MAIL) within any one second, a sliding window — what a sending limit
            shared by several workers must keep under — and the same for arrivals (after the delay, so with
            the scheduling jitter of both sides).
            Example:
              bulkhead bench sink --port 2600 --delay-ms 20 --messages 20000 > sink.json &
            """)

    @Option(help: "The port on 127.0.0.1 (0: any free port).")
    var port = 0

    @Option(help: "Milliseconds to wait before answering each message's final dot.")
    var delayMs = 20

    @Option(help: "Stop after this many messages.")
    var messages: Int

    @Option(help: "Stop after this many seconds even if fewer messages came.")
    var timeout: Double = 3_600

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard (0...60_000).contains(delayMs) else { throw ValidationError("--delay-ms must be in 0...60000") }
        guard messages >= 1 else { throw ValidationError("--messages must be at least 1") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be in (0, 86400]") }
    }

    func run() async throws {
        let sink = CountingSink(delay: .milliseconds(delayMs))
        var settings = SMTPServerConfiguration(hostname: "sink.bench.invalid")
        settings.authMechanisms = []
        settings.limits.maximumCommands = 100_000_000
        settings.limits.maximumConnections = 2_000
        settings.limits.maximumConnectionsPerClient = 2_000
        settings.limits.maximumRecipients = 1_000
        let server = try SMTPServer(configuration: settings, delegate: sink)
        let bound = try await server.bind(host: "127.0.0.1", port: port).port ?? port
        FileHandle.standardOutput.write(Data("READY \(bound)\n".utf8))  // unbuffered: the caller waits for it
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(timeout * 1_000)))
        while sink.count < messages, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await server.stop(gracePeriod: .seconds(1))
        print(CLIJSON.encode(sink.summary()))
    }
}

/// What ``SinkBenchCommand`` counts.
struct SinkSummary: Codable, Sendable {
    var messages: Int
    var recipients: Int
    var duplicates: Int
    var seconds: Double
    var messagesPerSecond: Double
    /// The most transactions started (MAIL) within one second.
    var busiestSecond: Int
    /// The most messages answered within one second.
    var busiestSecondOfArrivals: Int
}

/// Accepts every message after `delay`, keeping each recipient and each arrival time.
final class CountingSink: SMTPServerDelegate {
    private struct State {
        var seen = Set<String>()
        var duplicates = 0
        var recipients = 0
        var arrivals: [ContinuousClock.Instant] = []
        var starts: [ContinuousClock.Instant] = []
    }

    private let delay: Duration
    private let state = Mutex(State())

    init(delay: Duration) { self.delay = delay }

    var count: Int { state.withLock { $0.arrivals.count } }

    func checkSender(_ envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        let now = ContinuousClock.now
        state.withLock { $0.starts.append(now) }
        return .accept
    }

    func checkRecipient(_ recipient: String, envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        .accept
    }

    func accept(message: SMTPReceivedMessage, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        if delay > .zero { try await Task.sleep(for: delay) }
        let now = ContinuousClock.now
        state.withLock { state in
            for recipient in message.envelope.recipients {
                state.recipients += 1
                if !state.seen.insert(recipient.lowercased()).inserted { state.duplicates += 1 }
            }
            state.arrivals.append(now)
        }
        return .accept
    }

    func summary() -> SinkSummary {
        state.withLock { state in
            let arrivals = state.arrivals.sorted()
            let span = arrivals.first.map { start in arrivals.last.map { Self.seconds(start.duration(to: $0)) } ?? 0 } ?? 0
            return SinkSummary(
                messages: arrivals.count, recipients: state.recipients, duplicates: state.duplicates, seconds: span,
                messagesPerSecond: span > 0 ? Double(arrivals.count - 1) / span : 0, busiestSecond: Self.busiestSecond(state.starts.sorted()),
                busiestSecondOfArrivals: Self.busiestSecond(arrivals))
        }
    }

    /// The most of `instants` (sorted) within any one second.
    private static func busiestSecond(_ instants: [ContinuousClock.Instant]) -> Int {
        var busiest = 0
        var first = 0
        for (last, instant) in instants.enumerated() {
            while instants[first].duration(to: instant) >= .seconds(1) { first += 1 }
            busiest = max(busiest, last - first + 1)
        }
        return busiest
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
