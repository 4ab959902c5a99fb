import ArgumentParser
import BulkheadPolicy

/// The `--fail-on` values.
enum SeverityArgument: String, ExpressibleByArgument, CaseIterable {
    case info, warning, error

    var severity: Finding.Severity { Finding.Severity(rawValue: rawValue)! }
}
