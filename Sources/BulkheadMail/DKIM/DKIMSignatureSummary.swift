/// What a `DKIM-Signature` field claims, read without verifying it: who signed and which header
/// fields the signature covers. Guardrails use it to check that, say, `List-Unsubscribe` is signed.
///
/// ```swift
/// let summary = try DKIMSignatureSummary(parsing: "v=1; a=ed25519-sha256; d=example.com; s=s1; h=From:Subject:From; bh=…; b=…")
/// summary.signs("from")      // true
/// summary.signedHeaders      // ["From", "Subject", "From"]
/// ```
public struct DKIMSignatureSummary: Sendable, Hashable {
    public let domain: String
    public let selector: String
    public let algorithm: String
    /// The `h=` list in order, as written (an over-signed name appears more than once).
    public let signedHeaders: [String]

    /// Reads the tag list strictly (RFC 6376 §3.2); a malformed list or a missing d=, s=, a= or h=
    /// throws `DKIMFailure.malformed`.
    public init(parsing value: String) throws(DKIMFailure) {
        let tags: DKIMTagList
        do {
            tags = try DKIMTagList(parsing: Array(value.utf8))
        } catch {
            throw .malformed(tag: error.tag, why: error.why)
        }
        func required(_ name: String) throws(DKIMFailure) -> DKIMTag {
            guard let tag = tags[name] else { throw .malformed(tag: name, why: "missing") }
            return tag
        }
        domain = try required("d").value
        selector = try required("s").value
        algorithm = try required("a").value
        signedHeaders = try required("h").compactValue.split(separator: ":").map(String.init)
    }

    /// True when `name` is among the signed header fields (case-insensitive).
    public func signs(_ name: String) -> Bool {
        signedHeaders.contains { HeaderField.namesEqual($0, name) }
    }
}
