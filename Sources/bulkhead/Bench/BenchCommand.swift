import ArgumentParser

/// `bulkhead bench`: speed figures, printed, never asserted.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Bulkhead's speed on this machine (run from a release build).",
        discussion: """
            Examples:
              swift build -c release --product bulkhead && .build/release/bulkhead bench mail
              .build/release/bulkhead bench mail --seconds 5 --json
              .build/release/bulkhead bench relay-latency --sink-port 2600 --via 127.0.0.1:2525
              bench/relay.sh   # the relay against Postfix and smtp-sink: throughput, latency, memory
            """,
        subcommands: [MailBenchCommand.self, DLPBenchCommand.self, RelayLatencyBenchCommand.self, SinkBenchCommand.self]
    )
}
