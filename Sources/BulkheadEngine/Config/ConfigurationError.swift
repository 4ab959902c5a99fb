/// Why a configuration file was refused.
public enum ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A key the configuration does not know (often a typo), with its dotted path and the keys allowed there.
    case unknownSetting(String, known: [String])
    /// A value that is present but wrong, with its dotted path.
    case invalidValue(String, reason: String)
    /// The file is not valid YAML, or a value has the wrong type.
    case unreadable(String)

    public var description: String {
        switch self {
        case let .unknownSetting(path, known):
            "unknown setting \"\(path)\" (allowed here: \(known.joined(separator: ", ")))"
        case let .invalidValue(path, reason):
            "\(path): \(reason)"
        case let .unreadable(reason):
            "cannot read the configuration: \(reason)"
        }
    }
}

extension ConfigurationError {
    /// The same error with every secret of `redactor` masked in its texts.
    public func redacted(by redactor: SecretRedactor) -> ConfigurationError {
        switch self {
        case let .unknownSetting(path, known): .unknownSetting(redactor.redact(path), known: known)
        case let .invalidValue(path, reason): .invalidValue(path, reason: redactor.redact(reason))
        case let .unreadable(reason): .unreadable(redactor.redact(reason))
        }
    }
}
