import Crypto
import Foundation
import _CryptoExtras

/// A DKIM signing algorithm (`a=` tag). `rsa-sha1` is not offered: RFC 8301 forbids it.
public enum DKIMAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// `ed25519-sha256` (RFC 8463).
    case ed25519SHA256 = "ed25519-sha256"
    /// `rsa-sha256` with PKCS#1 v1.5 padding (RFC 6376, RFC 8301).
    case rsaSHA256 = "rsa-sha256"

    /// The key type (`k=` tag of the key record) this algorithm needs.
    public var keyTypeTag: String {
        switch self {
        case .ed25519SHA256: return "ed25519"
        case .rsaSHA256: return "rsa"
        }
    }
}

/// The kind of key to generate.
public enum DKIMKeyType: Sendable, Hashable {
    /// An Ed25519 key (RFC 8463).
    case ed25519
    /// An RSA key of `bits` bits (1024 or more; 2048 is the usual choice).
    case rsa(bits: Int)
}

/// Why a key or key record could not be made or read.
public enum DKIMKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// RSA keys must have at least 1024 bits (RFC 8301) and at most 16384.
    case unsupportedRSAKeySize(Int)
    /// The PEM text could not be read as a PKCS#8 (or PKCS#1 RSA) key; `detail` says why.
    case unreadableKey(String)
    /// Base64 key data is malformed.
    case invalidBase64(String)
    /// An Ed25519 key must be exactly 32 bytes.
    case wrongEd25519KeyLength(Int)
    /// A key record tag list is malformed.
    case malformedRecord(tag: String, why: String)
    /// The key record names a key type this library does not know (`k=`).
    case unsupportedKeyType(String)
    /// Key generation failed inside the crypto library.
    case generationFailed(String)

    public var description: String {
        switch self {
        case .unsupportedRSAKeySize(let bits): return "unsupported RSA key size \(bits) (need 1024 to 16384 bits)"
        case .unreadableKey(let detail): return "unreadable key: \(detail)"
        case .invalidBase64(let what): return "invalid base64 in \(what)"
        case .wrongEd25519KeyLength(let count): return "an Ed25519 key is 32 bytes, got \(count)"
        case .malformedRecord(let tag, let why): return "malformed key record (tag \"\(tag)\"): \(why)"
        case .unsupportedKeyType(let type): return "unsupported key type k=\(type)"
        case .generationFailed(let detail): return "key generation failed: \(detail)"
        }
    }
}

/// A DKIM private key (Ed25519 or RSA), parsed once and reused for every signature.
///
/// ```swift
/// let key = try DKIMKey.generate(.ed25519)
/// let pem = key.pkcs8PEM                       // store it (mode 0600)
/// let again = try DKIMKey(importing: pem)      // PEM (PKCS#8 / PKCS#1) or dkimpy's raw base64
/// print(key.publicKey.dnsRecord(selector: "s1", domain: "example.com"))
/// ```
public struct DKIMKey: Sendable {
    enum Storage: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// Generates a new random key.
    public static func generate(_ type: DKIMKeyType) throws(DKIMKeyError) -> DKIMKey {
        switch type {
        case .ed25519:
            return DKIMKey(storage: .ed25519(Curve25519.Signing.PrivateKey()))
        case .rsa(let bits):
            guard bits >= 1024 && bits <= 16384 else { throw .unsupportedRSAKeySize(bits) }
            do {
                return DKIMKey(storage: .rsa(try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))))
            } catch {
                throw .generationFailed("\(error)")
            }
        }
    }

    /// Reads a key from text: a PEM document (`PRIVATE KEY` = PKCS#8, Ed25519 or RSA; or
    /// `RSA PRIVATE KEY` = PKCS#1), or the base64 of a raw 32-byte Ed25519 seed (dkimpy's form).
    public init(importing text: String) throws(DKIMKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") {
            try self.init(pem: trimmed)
        } else {
            try self.init(ed25519Base64: trimmed)
        }
    }

    /// Reads a PEM private key (PKCS#8 for Ed25519 or RSA, PKCS#1 for RSA).
    public init(pem: String) throws(DKIMKeyError) {
        if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
            storage = .ed25519(key)
            return
        }
        do {
            let key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
            guard key.keySizeInBits <= 16384 else { throw DKIMKeyError.unsupportedRSAKeySize(key.keySizeInBits) }
            storage = .rsa(key)
        } catch let error as DKIMKeyError {
            throw error
        } catch {
            throw .unreadableKey("not a PKCS#8 Ed25519 key, nor an RSA key of at least 1024 bits (\(error))")
        }
    }

    /// Reads an Ed25519 key given as the base64 of its raw 32-byte seed (dkimpy's format).
    public init(ed25519Base64 text: String) throws(DKIMKeyError) {
        let compact = text.filter { !$0.isWhitespace }
        guard let raw = Data(base64Encoded: compact) else { throw .invalidBase64("Ed25519 private key") }
        guard raw.count == 32 else { throw .wrongEd25519KeyLength(raw.count) }
        do {
            storage = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        } catch {
            throw .unreadableKey("\(error)")
        }
    }

    /// The signing algorithm this key makes.
    public var algorithm: DKIMAlgorithm {
        switch storage {
        case .ed25519: return .ed25519SHA256
        case .rsa: return .rsaSHA256
        }
    }

    /// The key type and size.
    public var type: DKIMKeyType {
        switch storage {
        case .ed25519: return .ed25519
        case .rsa(let key): return .rsa(bits: key.keySizeInBits)
        }
    }

    /// The key as a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`).
    public var pkcs8PEM: String {
        switch storage {
        case .ed25519(let key): return key.pemRepresentation
        case .rsa(let key): return key.pkcs8PEMRepresentation
        }
    }

    /// For RSA, the PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`) that dkimpy reads; nil for Ed25519.
    public var rsaPKCS1PEM: String? {
        if case .rsa(let key) = storage { return key.pemRepresentation }
        return nil
    }

    /// For Ed25519, the base64 of the raw 32-byte seed (dkimpy's format); nil for RSA.
    public var ed25519Base64: String? {
        if case .ed25519(let key) = storage { return Base64Encoder.line(key.rawRepresentation) }
        return nil
    }

    /// The matching public key.
    public var publicKey: DKIMPublicKey {
        switch storage {
        case .ed25519(let key): return DKIMPublicKey(storage: .ed25519(key.publicKey))
        case .rsa(let key): return DKIMPublicKey(storage: .rsa(key.publicKey))
        }
    }

    /// Signs a SHA-256 digest of the canonical header data: Ed25519 over the 32 digest bytes
    /// (RFC 8463), or RSASSA-PKCS1-v1_5 (RFC 6376; not PSS).
    func signature(for digest: SHA256Digest) throws -> Data {
        switch storage {
        case .ed25519(let key):
            return try digest.withUnsafeBytes { try key.signature(for: $0) }
        case .rsa(let key):
            return try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation
        }
    }
}
