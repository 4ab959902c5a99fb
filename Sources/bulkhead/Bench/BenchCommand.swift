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
            """,
        subcommands: [MailBenchCommand.self, DLPBenchCommand.self]
    )
}
