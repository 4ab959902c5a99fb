import ArgumentParser
import BulkheadMail

/// The `--algorithm` values.
enum DKIMAlgorithmArgument: String, ExpressibleByArgument, CaseIterable {
    case ed25519
    case rsa

    var algorithm: DKIMAlgorithm { self == .ed25519 ? .ed25519SHA256 : .rsaSHA256 }
}
