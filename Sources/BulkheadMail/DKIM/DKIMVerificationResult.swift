/// The outcome of checking one DKIM signature.
public enum DKIMResult: Sendable, Hashable, CustomStringConvertible {
    /// The signature verifies.
    case pass
    /// The signature does not verify, for the given reason.
    case fail(DKIMFailure)

    public var description: String {
        switch self {
        case .pass: return "pass"
        case .fail(let reason): return "fail (\(reason))"
        }
    }
}

/// Why a DKIM signature failed.
public enum DKIMFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The body hash computed from the message differs from `bh=`.
    case bodyHashMismatch
    /// `b=` is not a valid signature of the signed header fields with this key.
    case signatureMismatch
    /// A tag is missing or malformed (`tag` is empty when no tag name could be read).
    case malformed(tag: String, why: String)
    /// `a=` names an algorithm not supported (including `rsa-sha1`, forbidden by RFC 8301).
    case unsupportedAlgorithm(String)
    /// The key does not fit the signature (key type, hash, service type, `t=s` identity rule).
    case keyMismatch(String)
    /// The key record revokes the key (empty `p=`).
    case keyRevoked
    /// No key was available for this signature's domain and selector.
    case keyUnavailable
    /// `h=` does not include From (RFC 6376 §5.4).
    case fromNotSigned
    /// The signature expired (`x=`, seconds since 1970).
    case expired(at: Int64)

    public var description: String {
        switch self {
        case .bodyHashMismatch: return "body hash mismatch"
        case .signatureMismatch: return "signature mismatch"
        case .malformed(let tag, let why): return tag.isEmpty ? "malformed signature: \(why)" : "malformed \(tag)=: \(why)"
        case .unsupportedAlgorithm(let name): return "unsupported algorithm \(name)"
        case .keyMismatch(let why): return "key mismatch: \(why)"
        case .keyRevoked: return "key revoked"
        case .keyUnavailable: return "no key for this signature"
        case .fromNotSigned: return "From is not signed"
        case .expired(let at): return "signature expired at \(at)"
        }
    }
}

/// A property of a passing (or failing) signature that weakens what it proves.
public enum DKIMWeakness: Sendable, Hashable, CustomStringConvertible {
    /// `l=` limits the signed body: `unsignedBytes` canonical body bytes may have been appended.
    case bodyLengthLimit(signedBytes: Int, unsignedBytes: Int)
    /// The RSA key is shorter than 2048 bits.
    case shortRSAKey(bits: Int)
    /// The key record is flagged as testing (`t=y`).
    case testingKey

    public var description: String {
        switch self {
        case .bodyLengthLimit(let signed, let unsigned):
            return "l= signs only \(signed) body bytes; \(unsigned) are not covered"
        case .shortRSAKey(let bits): return "RSA key of only \(bits) bits"
        case .testingKey: return "key record is in testing mode (t=y)"
        }
    }
}

/// The result for one `DKIM-Signature` field of a message.
public struct DKIMSignatureResult: Sendable, Hashable, CustomStringConvertible {
    /// Position among the message's DKIM-Signature fields, 0 = topmost.
    public let index: Int
    /// `d=`, when it could be read.
    public let domain: String?
    /// `s=`, when it could be read.
    public let selector: String?
    /// Pass or fail with a reason.
    public let result: DKIMResult
    /// Weaknesses found (reported also for a pass).
    public let weaknesses: [DKIMWeakness]

    /// True when the signature passed.
    public var passed: Bool { result == .pass }

    public var description: String {
        var text = "signature \(index + 1) d=\(domain ?? "?") s=\(selector ?? "?"): \(result)"
        for weakness in weaknesses { text += "; weakness: \(weakness)" }
        return text
    }
}
