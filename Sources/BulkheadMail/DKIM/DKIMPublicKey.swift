import Crypto
import Foundation
import _CryptoExtras

/// A DKIM public key (Ed25519 or RSA) and the DNS record that publishes it.
///
/// ```swift
/// let pub = try DKIMPublicKey(importing: pemText)
/// pub.txtRecordValue                                   // "v=DKIM1; k=ed25519; p=..."
/// pub.dnsRecord(selector: "s1", domain: "example.com") // s1._domainkey.example.com. IN TXT "..."
/// ```
public struct DKIMPublicKey: Sendable {
    enum Storage: Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// Reads a public key from text: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo, Ed25519 or RSA) or
    /// `RSA PUBLIC KEY` (PKCS#1), or the base64 of a raw 32-byte Ed25519 key.
    public init(importing text: String) throws(DKIMKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") {
            if let key = try? Curve25519.Signing.PublicKey(pemRepresentation: trimmed) {
                self.init(storage: .ed25519(key))
                return
            }
            do {
                self.init(storage: .rsa(try Self.checkedRSA(try _RSA.Signing.PublicKey(unsafePEMRepresentation: trimmed))))
            } catch let error as DKIMKeyError {
                throw error
            } catch {
                throw .unreadableKey("not an Ed25519 or RSA (1024 bits or more) public key (\(error))")
            }
        } else {
            guard let raw = Data(base64Encoded: trimmed.filter { !$0.isWhitespace }) else {
                throw .invalidBase64("Ed25519 public key")
            }
            try self.init(keyType: "ed25519", data: raw)
        }
    }

    /// Makes a key from the decoded `p=` data of a key record with key type `k=`: for `ed25519`
    /// the raw 32 bytes (RFC 8463), for `rsa` a DER SubjectPublicKeyInfo or PKCS#1 RSAPublicKey.
    init(keyType: String, data: Data) throws(DKIMKeyError) {
        switch keyType {
        case "ed25519":
            guard data.count == 32 else { throw .wrongEd25519KeyLength(data.count) }
            do { storage = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: data)) } catch {
                throw .unreadableKey("\(error)")
            }
        case "rsa":
            do {
                storage = .rsa(try Self.checkedRSA(try _RSA.Signing.PublicKey(unsafeDERRepresentation: data)))
            } catch let error as DKIMKeyError {
                throw error
            } catch {
                throw .unreadableKey("p= is not an RSA public key of 1024 bits or more (\(error))")
            }
        default:
            throw .unsupportedKeyType(keyType)
        }
    }

    private static func checkedRSA(_ key: _RSA.Signing.PublicKey) throws(DKIMKeyError) -> _RSA.Signing.PublicKey {
        guard key.keySizeInBits <= 16384 else { throw .unsupportedRSAKeySize(key.keySizeInBits) }
        return key
    }

    /// The key type and size.
    public var type: DKIMKeyType {
        switch storage {
        case .ed25519: return .ed25519
        case .rsa(let key): return .rsa(bits: key.keySizeInBits)
        }
    }

    /// The algorithm whose signatures this key checks.
    public var algorithm: DKIMAlgorithm {
        switch storage {
        case .ed25519: return .ed25519SHA256
        case .rsa: return .rsaSHA256
        }
    }

    /// The key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) document.
    public var pem: String {
        switch storage {
        case .ed25519(let key): return key.pemRepresentation
        case .rsa(let key): return key.pemRepresentation
        }
    }

    /// The base64 `p=` value: raw 32 bytes for Ed25519 (RFC 8463), DER SubjectPublicKeyInfo for RSA.
    public var dnsKeyData: String {
        switch storage {
        case .ed25519(let key): return Base64Encoder.line(key.rawRepresentation)
        case .rsa(let key): return Base64Encoder.line(key.derRepresentation)
        }
    }

    /// The TXT record text: `v=DKIM1; k=ed25519; p=...`.
    public var txtRecordValue: String {
        "v=DKIM1; k=\(algorithm.keyTypeTag); p=\(dnsKeyData)"
    }

    /// A zone-file line publishing the key, the TXT text split into quoted strings of at most
    /// 255 bytes: `s1._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=..." "..."`.
    public func dnsRecord(selector: String, domain: String) -> String {
        let text = Array(txtRecordValue.utf8)
        var strings: [String] = []
        var start = 0
        while start < text.count {
            let end = min(start + 255, text.count)
            strings.append("\"" + String(decoding: text[start..<end], as: UTF8.self) + "\"")
            start = end
        }
        return "\(selector)._domainkey.\(domain). IN TXT \(strings.joined(separator: " "))"
    }

    /// True when `signature` is a valid signature of `digest` by this key.
    func isValidSignature(_ signature: Data, for digest: SHA256Digest) -> Bool {
        switch storage {
        case .ed25519(let key):
            return digest.withUnsafeBytes { key.isValidSignature(signature, for: $0) }
        case .rsa(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5
            )
        }
    }
}

/// A parsed DKIM key record (RFC 6376 §3.6.1), as published in DNS.
///
/// ```swift
/// let record = try DKIMKeyRecord(text: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
/// // A zone-file line works too: s1._domainkey.example.com. IN TXT "v=DKIM1; ..." "..."
/// ```
public struct DKIMKeyRecord: Sendable {
    /// The key; nil when the record revokes it (empty `p=`).
    public let publicKey: DKIMPublicKey?
    /// `k=`: the key type (default `rsa`).
    public let keyType: String
    /// `h=`: acceptable hash algorithms; nil when absent (all allowed).
    public let hashAlgorithms: [String]?
    /// `s=`: service types (default `*`).
    public let serviceTypes: [String]
    /// `t=`: flags (`y` = testing, `s` = the `i=` domain must equal `d=`).
    public let flags: [String]

    /// A record for `publicKey` with default tags.
    public init(publicKey: DKIMPublicKey) {
        self.publicKey = publicKey
        keyType = publicKey.algorithm.keyTypeTag
        hashAlgorithms = nil
        serviceTypes = ["*"]
        flags = []
    }

    /// Parses record text, either the TXT data itself or a zone-file line whose quoted strings are
    /// joined (`... IN TXT "v=DKIM1; k=rsa; " "p=..."`).
    public init(text: String) throws(DKIMKeyError) {
        var data = Array(text.utf8)
        if data.contains(UInt8(ascii: "\"")) {
            var joined: [UInt8] = []
            var inside = false
            var index = 0
            while index < data.count {
                let byte = data[index]
                if byte == UInt8(ascii: "\"") {
                    inside.toggle()
                } else if inside {
                    if byte == UInt8(ascii: "\\") && index + 1 < data.count {
                        index += 1
                        joined.append(data[index])
                    } else {
                        joined.append(byte)
                    }
                }
                index += 1
            }
            guard !inside else { throw .malformedRecord(tag: "", why: "unterminated quoted string") }
            data = joined
        }
        let list: DKIMTagList
        do { list = try DKIMTagList(parsing: data) } catch { throw .malformedRecord(tag: error.tag, why: error.why) }
        if let version = list["v"], version.value != "DKIM1" {
            throw .malformedRecord(tag: "v", why: "version must be DKIM1, is \(version.value)")
        }
        if let first = list.tags.first, list["v"] != nil, first.name != "v" {
            throw .malformedRecord(tag: "v", why: "v= must be the first tag")
        }
        keyType = list["k"]?.value ?? "rsa"
        hashAlgorithms = list["h"].map { Self.colonList($0.value) }
        serviceTypes = list["s"].map { Self.colonList($0.value) } ?? ["*"]
        flags = list["t"].map { Self.colonList($0.value) } ?? []
        guard let p = list["p"] else { throw .malformedRecord(tag: "p", why: "required tag missing") }
        let compact = p.compactValue
        if compact.isEmpty {
            publicKey = nil
        } else {
            guard let raw = Data(base64Encoded: compact) else { throw .invalidBase64("p= of the key record") }
            publicKey = try DKIMPublicKey(keyType: keyType, data: raw)
        }
    }

    /// True when the record is flagged as testing (`t=y`).
    public var isTesting: Bool { flags.contains("y") }

    static func colonList(_ value: String) -> [String] {
        value.split(separator: ":").map { String($0.filter { !$0.isWhitespace }) }
    }
}
