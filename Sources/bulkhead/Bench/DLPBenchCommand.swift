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
        let rate = Double(text.utf8.count * rounds) / Self.seconds(start.duration(to: clock.now)) / 1_048_576
        let reference = Self.referenceRate(text, seconds: min(seconds, 2))
        print("bulkhead bench dlp: one core, \(BenchReport.buildKind) build")
        print(
            String(
                format: "%.0f MB/s over %d MB of mixed text (%d rounds, %d kinds found per round; target 200)", rate, megabytes, rounds,
                found / rounds))
        print(String(format: "reference: FNV-1a over the same bytes at %.0f MB/s in this run; DLP/reference %.3f", reference, rate / reference))
    }

    /// Megabytes per second of FNV-1a over `text`'s bytes: a serial chain of multiplications that no
    /// compiler vectorises, so it moves with the machine's speed alone. This machine's speed varies
    /// from run to run (other tenants), and the ratio says which of two runs' DLP figures is better.
    static func referenceRate(_ text: String, seconds: Double) -> Double {
        let clock = ContinuousClock()
        var rounds = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let start = clock.now
        while rounds == 0 || start.duration(to: clock.now) < .milliseconds(Int64(seconds * 1_000)) {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            rounds += 1
        }
        let rate = Double(text.utf8.count * rounds) / Self.seconds(start.duration(to: clock.now)) / 1_048_576
        return hash == 0 ? rate.nextUp : rate  // the hash is used, so the loop is kept
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
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
