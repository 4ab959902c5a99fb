import Foundation

/// Times in output: ISO 8601 in UTC with milliseconds.
enum CLITime {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
