import ArgumentParser
import BulkheadPolicy
import Foundation

/// `bulkhead bench dlp`: megabytes per second on one core for the sensitive-content scan.
struct DLPBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlp",
        abstract: "Megabytes per second on one core for the sensitive-content (DLP) scan over mixed text.",
        discussion: """
            The text mixes prose, order and invoice numbers, dates, prices, near misses (16-digit numbers that fail
            Luhn, IBAN-like words with a bad checksum) and one real finding per megabyte, so that every detector
            works. Issue 9's target: at least 200 MB/s per core. Use a release build.

            Example:
              .build/release/bulkhead bench dlp --megabytes 8
            """
    )

    @Option(help: "Size of the text scanned per round, in megabytes.") var megabytes: Int = 4
    @Option(help: "Seconds to run.") var seconds: Double = 3

    func run() throws {
        guard (1...256).contains(megabytes) else { throw ValidationError("--megabytes must be 1 to 256") }
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        let text = Self.mixedText(bytes: megabytes << 20)
        let clock = ContinuousClock()
        var rounds = 0
        var found = 0
        let start = clock.now
        while rounds == 0 || start.duration(to: clock.now) < .milliseconds(Int64(seconds * 1_000)) {
            found &+= SensitiveContent.find(in: text).count
            rounds += 1
        }
        let elapsed = start.duration(to: clock.now)
        let secondsTaken = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(text.utf8.count * rounds) / secondsTaken / 1_048_576
        print("bulkhead bench dlp: one core, \(BenchReport.buildKind) build")
        print(
            String(
                format: "%.0f MB/s over %d MB of mixed text (%d rounds, %d kinds found per round; target 200)", rate, megabytes, rounds,
                found / rounds))
    }

    /// Mixed text of about `bytes` bytes.
    static func mixedText(bytes: Int) -> String {
        let lines = [
            "Thank you for your order 4411-2093-7781 of 12 March 2026: 3 items, total EUR 129.90, delivery in 2–3 days.\n",
            "Your invoice number 2026000145 and customer number 88120045 are printed on the label; call +44 20 7946 0958.\n",
            "Garden tools, seeds and planters at 20% off until Sunday; free shipping from 49 € (offer code SPRING26).\n",
            "Reference 4111 1111 1111 1112 is not a card (its checksum fails), nor is DE89 3704 0044 0532 0130 01 here.\n",
            "Bonjour, voici les nouveautés du printemps : jardinières, arrosoirs et graines à semer dès maintenant.\n",
        ]
        var text = ""
        text.reserveCapacity(bytes + 256)
        var index = 0
        while text.utf8.count < bytes {
            text += lines[index % lines.count]
            index += 1
            if index % 10_000 == 0 { text += "Please pay to DE89 3704 0044 0532 0130 00 by Friday.\n" }
        }
        return text
    }
}
