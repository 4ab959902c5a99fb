import Crypto
import Foundation

/// The secrets that open the dashboard and the API: a session cookie, a CSRF token, an API token.
/// Each is 32 random bytes from the system's generator, written in base64url; the store keeps only
/// the SHA-256 of session cookies and API tokens (``hash(_:)``), so a copy of the database opens
/// nothing.
///
/// ```swift
/// let token = AccessSecret.make(prefix: "bht_")     // "bht_Vq3…" shown once
/// let stored = AccessSecret.hash(token)             // 64 hex digits
/// ```
public enum AccessSecret {
    /// A fresh secret: `prefix` then 43 base64url characters (256 random bits).
    public static func make(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return prefix + text
    }

    /// The hex SHA-256 of a secret's UTF-8 bytes (what the store keeps).
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two secrets in time that depends on their lengths only (CSRF tokens).
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// The prefix of API tokens (so secret scanners and people recognise one).
    public static let apiTokenPrefix = "bht_"
}
