import Crypto

/// The `X-Bulkhead-Signature` header value of a body: `sha256=` and the lowercase hex HMAC-SHA256 of
/// the exact body octets with the webhook's secret (swift-crypto's HMAC). A receiver recomputes it
/// over the body it got and compares in constant time.
///
/// ```swift
/// WebhookSignature.header(body: Array("{}".utf8), secret: Array("key".utf8))
/// // "sha256=a777724d943eb48dc69bca8a4a6d57a04db3f9ec7e1de4e581e860265bdf3032"
/// ```
public enum WebhookSignature {
    public static func header(body: [UInt8], secret: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        return "sha256=" + code.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
