import ArgumentParser
import BulkheadSMTP
import Foundation
import Histogram
import Synchronization

/// `bulkhead bench relay-latency`: how long a message takes from the start of its SMTP transaction
/// at a submitting client to its arrival at the receiving server, through a relay or directly.
struct RelayLatencyBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay-latency",
        abstract: "Latency through an SMTP relay: submit at a steady rate, time each message to its arrival at our own sink.",
        discussion: """
            Runs its own receiving SMTP server on 127.0.0.1:--sink-port, then submits --messages messages of
            --size bytes over --sessions concurrent sessions to --via at --rate messages per second in all. Each
            message carries an X-Bench-Id header; the sink records its arrival. Per message, the time from the
            start of its SMTP transaction (MAIL) at the client to its arrival at the sink goes into an
            HdrHistogram: count, p50, p90, p99 and max are printed in milliseconds. Without --via the messages
            go straight to the sink: the baseline that a relay's added latency is measured against.
            The relay under test must deliver to the sink port (its relayhost or upstream).
            Exits 1 when a message was refused or did not arrive within --timeout seconds.

            Examples:
              bulkhead bench relay-latency --sink-port 2600                          # the baseline
              bulkhead bench relay-latency --sink-port 2600 --via 127.0.0.1:2525     # a relay delivering to 127.0.0.1:2600
            """
    )

    @Option(help: "The receiving sink's port on 127.0.0.1 (0: any free port, only useful without --via).")
    var sinkPort = 0

    @Option(help: "The relay to submit to, HOST:PORT; without it the messages go to the sink directly.")
    var via: String?

    @Option(help: "Messages to submit.")
    var messages = 2_000

    @Option(help: "Concurrent submitting sessions.")
    var sessions = 20

    @Option(help: "Submissions per second, in all sessions together.")
    var rate = 100.0

    @Option(help: "Message size in bytes.")
    var size = 10_240

    @Option(help: "Messages per submitting connection before it is closed and a fresh one opened.")
    var messagesPerConnection = 50

    @Option(help: "Seconds to wait for the last arrivals after the last submission.")
    var timeout = 60.0

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard (0...65_535).contains(sinkPort) else { throw ValidationError("--sink-port must be in 0...65535") }
        guard via == nil || sinkPort != 0 else { throw ValidationError("--via needs a fixed --sink-port for the relay to deliver to") }
        guard (1...1_000_000).contains(messages) else { throw ValidationError("--messages must be in 1...1000000") }
        guard (1...500).contains(sessions) else { throw ValidationError("--sessions must be in 1...500") }
        guard rate > 0, rate <= 100_000 else { throw ValidationError("--rate must be in (0, 100000]") }
        guard (1_024...10_000_000).contains(size) else { throw ValidationError("--size must be in 1024...10000000") }
        guard messagesPerConnection >= 1 else { throw ValidationError("--messages-per-connection must be at least 1") }
        guard timeout > 0, timeout <= 3_600 else { throw ValidationError("--timeout must be in (0, 3600]") }
        if let via { _ = try Self.hostAndPort(via) }
    }

    func run() async throws {
        let run = UInt32.random(in: 1...UInt32.max)
        let sink = RelayLatencySink(run: run, messages: messages)
        var settings = SMTPServerConfiguration(hostname: "sink.bench.invalid")
        settings.authMechanisms = []
        // A relay caches its connections and sends thousands of messages over each: no limit may cut them.
        settings.limits.maximumCommands = 100_000_000
        settings.limits.maximumConnections = 2_000
        settings.limits.maximumConnectionsPerClient = 2_000
        let server = try SMTPServer(configuration: settings, delegate: sink)
        let bound = try await server.bind(host: "127.0.0.1", port: sinkPort).port ?? sinkPort
        let target: (host: String, port: Int) = try via.map(Self.hostAndPort) ?? ("127.0.0.1", bound)

        var upstream = SMTPUpstream(host: target.host, port: target.port, session: SMTPSessionConfiguration(heloName: "probe.bench.invalid"))
        upstream.session.tlsPolicy = .off
        let submitter = RelayLatencySubmitter(
            upstream: upstream, envelope: try Envelope(mailFrom: "probe@bench.example", recipient: "sink@bench.example"),
            messages: messages, sessions: sessions, interval: .seconds(1 / rate),
            messagesPerConnection: messagesPerConnection, size: size, run: run, sink: sink)
        let clock = ContinuousClock()
        let started = clock.now
        await submitter.submit()
        let submittedIn = started.duration(to: clock.now)
        let deadline = clock.now.advanced(by: .milliseconds(Int64(timeout * 1_000)))
        while sink.outstanding > 0, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let report = sink.report(
            via: via ?? "direct", size: size, sessions: sessions, rate: rate, submitSeconds: seconds(submittedIn),
            totalSeconds: seconds(started.duration(to: clock.now)))
        await server.stop(gracePeriod: .seconds(1))
        print(json ? CLIJSON.encode(report) : report.text)
        if report.refused > 0 || report.lost > 0 { throw ExitCode(1) }
    }

    /// Splits `HOST:PORT` (`[v6]:PORT` too).
    static func hostAndPort(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            throw ValidationError("--via must be HOST:PORT, not \(text)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--via must be HOST:PORT, not \(text)") }
        return (host, port)
    }
}

/// The probe's receiving side: when each message started its transaction and when it arrived, as a
/// histogram of the latencies in microseconds.
final class RelayLatencySink: SMTPServerDelegate {
    private struct State {
        var started: [ContinuousClock.Instant?]
        var arrived: [Bool]
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        var submitted = 0
        var refused = 0
        var arrivals = 0
        var duplicates = 0
        var strays = 0
    }

    private let header = Array("x-bench-id:".utf8)
    private let runPrefix: [UInt8]
    private let state: Mutex<State>

    /// A sink for `messages` messages of run `run` (the header's value is `RUN-INDEX`).
    init(run: UInt32, messages: Int) {
        state = Mutex(State(started: Array(repeating: nil, count: messages), arrived: Array(repeating: false, count: messages)))
        runPrefix = Array("\(run)-".utf8)
    }

    /// Message `index` starts its SMTP transaction now.
    func starting(_ index: Int) {
        let now = ContinuousClock.now
        state.withLock { $0.started[index] = now }
    }

    /// The submission of message `index` ended with `outcome`.
    func submitted(_ index: Int, _ outcome: DeliveryOutcome) {
        state.withLock { state in
            if case .sent = outcome {
                state.submitted += 1
            } else {
                state.refused += 1
                state.started[index] = nil
            }
        }
    }

    /// Messages submitted that have not arrived yet.
    var outstanding: Int {
        state.withLock { $0.submitted - $0.arrivals }
    }

    func checkRecipient(_ recipient: String, envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        .accept
    }

    func accept(message: SMTPReceivedMessage, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        let now = ContinuousClock.now
        let index = benchIndex(in: message.bytes)
        state.withLock { state in
            guard let index, index < state.started.count, let started = state.started[index] else {
                state.strays += 1
                return
            }
            guard !state.arrived[index] else {
                state.duplicates += 1
                return
            }
            state.arrived[index] = true
            state.arrivals += 1
            let elapsed = started.duration(to: now).components
            let microseconds = elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
            _ = state.histogram.record(UInt64(max(0, microseconds)))
        }
        return .accept
    }

    /// The index in this run's `X-Bench-Id: RUN-INDEX` header field, nil when the message has none
    /// (or one of another run). Only the header section is read.
    func benchIndex(in bytes: [UInt8]) -> Int? {
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if lineEnd - lineStart <= 1 { return nil }  // the empty line: the header section ended
            if lineEnd - lineStart > header.count, zip(header, bytes[lineStart...]).allSatisfy({ $0 == $1 | 0x20 }) {
                var value = bytes[(lineStart + header.count)..<lineEnd].drop { $0 == UInt8(ascii: " ") }
                guard value.starts(with: runPrefix) else { return nil }
                value = value.dropFirst(runPrefix.count)
                let digits = value.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                return Int(String(decoding: digits, as: UTF8.self))
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// The figures so far.
    func report(via: String, size: Int, sessions: Int, rate: Double, submitSeconds: Double, totalSeconds: Double) -> RelayLatencyReport {
        state.withLock { state in
            let histogram = state.histogram
            let milliseconds = { (percentile: Double) in Double(histogram.valueAtPercentile(percentile)) / 1_000 }
            return RelayLatencyReport(
                build: BenchReport.buildKind, via: via, messages: state.started.count, size: size, sessions: sessions, rate: rate,
                submitted: state.submitted, refused: state.refused, arrived: state.arrivals, lost: state.submitted - state.arrivals,
                duplicates: state.duplicates, strays: state.strays, submitSeconds: submitSeconds, totalSeconds: totalSeconds,
                p50Ms: milliseconds(50), p90Ms: milliseconds(90), p99Ms: milliseconds(99),
                maxMs: state.arrivals == 0 ? 0 : Double(histogram.max) / 1_000)
        }
    }
}

/// Submits the probe's messages over `sessions` connections: message `i` is due `i × interval` after
/// the start and goes over connection `i mod sessions`, each connection replaced after
/// `messagesPerConnection` messages (or when it broke).
struct RelayLatencySubmitter: Sendable {
    var upstream: SMTPUpstream
    var envelope: Envelope
    var messages: Int
    var sessions: Int
    var interval: Duration
    var messagesPerConnection: Int
    var size: Int
    var run: UInt32
    var sink: RelayLatencySink

    /// Submits every message; returns when each one has its outcome.
    func submit() async {
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for session in 0..<sessions {
                group.addTask {
                    var connection: SMTPConnection?
                    var sentOnConnection = 0
                    for index in stride(from: session, to: messages, by: sessions) {
                        try? await Task.sleep(until: start.advanced(by: interval * index), clock: .continuous)
                        if let open = connection, !open.isActive || sentOnConnection >= messagesPerConnection {
                            await open.quit()
                            connection = nil
                        }
                        if connection == nil {
                            connection = try? await SMTPConnection.connect(to: upstream)
                            sentOnConnection = 0
                        }
                        let message = self.message(index)
                        sink.starting(index)
                        let outcome = await connection?.send(envelope, message) ?? .deferred(.note("could not connect"))
                        sentOnConnection += 1
                        sink.submitted(index, outcome)
                    }
                    await connection?.quit()
                }
            }
        }
    }

    /// Message `index`: a plain-text message of `size` bytes with its `X-Bench-Id`.
    func message(_ index: Int) -> [UInt8] {
        let header = [
            "From: Probe <probe@bench.example>", "To: Sink <sink@bench.example>", "Subject: relay latency probe \(index)",
            "Message-ID: <\(run).\(index)@probe.bench.invalid>", "X-Bench-Id: \(run)-\(index)", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
        ]
        var text = header.joined(separator: "\r\n") + "\r\n\r\n"
        let line = String(repeating: "x", count: 76) + "\r\n"
        while text.utf8.count + line.utf8.count <= size { text += line }
        text += String(repeating: "y", count: max(0, size - text.utf8.count - 2)) + "\r\n"
        return Array(text.utf8)
    }
}

/// What `bulkhead bench relay-latency` prints.
struct RelayLatencyReport: Encodable {
    var build: String
    var via: String
    var messages: Int
    var size: Int
    var sessions: Int
    var rate: Double
    var submitted: Int
    var refused: Int
    var arrived: Int
    var lost: Int
    var duplicates: Int
    var strays: Int
    var submitSeconds: Double
    var totalSeconds: Double
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var maxMs: Double

    var text: String {
        let figures = [p50Ms, p90Ms, p99Ms, maxMs].map { String(format: "%.2f", $0) }
        return """
            bulkhead bench relay-latency: \(messages) messages of \(size) bytes, \(sessions) sessions, \(rate)/s, via \(via) (\(build) build)
              submitted \(submitted) (refused \(refused)) in \(String(format: "%.1f", submitSeconds)) s; arrived \(arrived) (lost \(lost), duplicates \(duplicates), strays \(strays))
              latency ms   count \(arrived)   p50 \(figures[0])   p90 \(figures[1])   p99 \(figures[2])   max \(figures[3])
            """
    }
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
