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
        case .unknownSetting(let path, let known):
            "unknown setting \"\(path)\" (allowed here: \(known.joined(separator: ", ")))"
        case .invalidValue(let path, let reason):
            "\(path): \(reason)"
        case .unreadable(let reason):
            "cannot read the configuration: \(reason)"
        }
    }
}

extension ConfigurationError {
    /// The same error with every secret of `redactor` masked in its texts.
    public func redacted(by redactor: SecretRedactor) -> ConfigurationError {
        switch self {
        case .unknownSetting(let path, let known): .unknownSetting(redactor.redact(path), known: known)
        case .invalidValue(let path, let reason): .invalidValue(path, reason: redactor.redact(reason))
        case .unreadable(let reason): .unreadable(redactor.redact(reason))
        }
    }
}
