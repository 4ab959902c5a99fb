import Foundation

@testable import BulkheadMail

/// Shared fixtures for the DKIM test suites.
enum DKIMFixtures {
    /// The Ed25519 key of RFC 8463 Appendix A (dkimpy's raw base64 form).
    static let rfc8463Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
    static let rfc8463Public = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

    /// A fixed time: 2023-11-14T22:13:20Z.
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static let message = Array(
        """
        From: Shop <shop@example.com>\r
        To: Ann <ann@example.net>\r
        Subject: Spring offer,\r
        \t folded  over two lines\r
        Date: Tue, 14 Nov 2023 22:13:20 +0000\r
        Message-ID: <1@example.com>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        Hello  Ann,\r
        \r
        our offer \t stands.\r
        \r
        \r

        """.utf8)

    static func signer(_ key: DKIMKey, _ edit: (inout DKIMSignerConfiguration) -> Void = { _ in }) throws -> DKIMSigner {
        var configuration = DKIMSignerConfiguration(domain: "example.com", selector: "s1")
        edit(&configuration)
        return try DKIMSigner(key: key, configuration: configuration)
    }

    static func replacing(_ old: String, with new: String, in message: [UInt8]) -> [UInt8] {
        let text = String(decoding: message, as: UTF8.self)
        return Array(text.replacingOccurrences(of: old, with: new).utf8)
    }
}
