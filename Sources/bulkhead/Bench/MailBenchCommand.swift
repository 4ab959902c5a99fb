import ArgumentParser
import BulkheadMail
import Foundation

/// `bulkhead bench mail`: messages per second on one core for the mail core's hot paths.
struct MailBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Messages per second on one core: build, build+DKIM (ed25519, rsa-2048), parse.",
        discussion: """
            Every case runs on one thread for --seconds after a short warm-up, so the figures are per core.
            The targets are issue 2's: build ≥ 100,000/s, ed25519-signed ≥ 20,000/s, rsa-2048-signed ≥ 1,000/s,
            parse ≥ 20,000/s. A debug build is many times slower: use a release build.

            Example:
              .build/release/bulkhead bench mail --seconds 3
            """
    )

    @Option(help: "Seconds to run each case.")
    var seconds: Double = 2

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        let workload = try MailBenchWorkload()
        let ed25519 = try DKIMSigner(key: DKIMKey.generate(.ed25519), configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s1"))
        let rsa = try DKIMSigner(
            key: DKIMKey.generate(.rsa(bits: 2048)), configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s2"))
        let parser = MIMEParser()
        let parseInput = try workload.fiftyKilobyteMessage()

        var results: [BenchResult] = []
        results.append(
            try measure("build personalised 8 KB multipart", target: 100_000, bytes: workload.sampleSize) { index in
                try workload.message(for: index).count
            })
        results.append(
            try measure("build + DKIM ed25519-sha256", target: 20_000, bytes: workload.sampleSize) { index in
                try ed25519.sign(workload.message(for: index)).count
            })
        results.append(
            try measure("build + DKIM rsa-sha256 (2048)", target: 1_000, bytes: workload.sampleSize) { index in
                try rsa.sign(workload.message(for: index)).count
            })
        results.append(
            try measure("parse 50 KB multipart/mixed", target: 20_000, bytes: parseInput.count) { _ in
                try parser.parse(parseInput).parts.count
            })
        if json {
            print(CLIJSON.encode(BenchReport(build: BenchReport.buildKind, seconds: seconds, results: results)))
        } else {
            print("bulkhead bench mail: one core, \(seconds) s per case, \(BenchReport.buildKind) build")
            for result in results { print(result.line) }
        }
    }

    /// Runs `body` with increasing indexes for `seconds` (after a 10 % warm-up) and reports the rate.
    private func measure(_ name: String, target: Double, bytes: Int, _ body: (Int) throws -> Int) throws -> BenchResult {
        let clock = ContinuousClock()
        var sink = 0
        var index = 0
        let warmUp = clock.now.advanced(by: .milliseconds(Int64(seconds * 100)))
        while clock.now < warmUp {
            sink &+= try body(index)
            index += 1
        }
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int64(seconds * 1_000)))
        var count = 0
        repeat {
            for _ in 0..<16 {
                sink &+= try body(index)
                index += 1
            }
            count += 16
        } while clock.now < deadline
        let elapsed = start.duration(to: clock.now)
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard sink != 0 else { throw ValidationError("\(name): the benchmark produced nothing") }
        return BenchResult(name: name, messages: count, seconds: elapsedSeconds, bytesPerMessage: bytes, target: target)
    }
}
