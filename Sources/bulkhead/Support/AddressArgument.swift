import ArgumentParser
import BulkheadStore

/// An e-mail address given on the command line, in the store's canonical form.
enum AddressArgument {
    /// `text` as a ``NormalizedAddress``, or exit 1 with why it is not an address.
    static func normalized(_ text: String) throws(ExitCode) -> NormalizedAddress {
        do { return try NormalizedAddress(text) } catch {
            throw CLIError.fail("\(text.debugDescription): \(error)", code: 1)
        }
    }
}
