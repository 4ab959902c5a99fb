public import BulkheadMail
public import BulkheadStore
import Crypto
import Foundation

/// What an approval binds to: a SHA-256 over everything a recipient would see and who signs it: the
/// kind, the subject, text and HTML templates, the From, every attachment's name and bytes, and the
/// DKIM key reference with the domain, selector and public key the configuration gives it. Each field
/// is length-prefixed, so no two different campaigns encode alike. Changing any of them voids an
/// approval; the list, segment and eligible count are bound separately (``ApprovalStatus``).
///
/// ```swift
/// let print = CampaignFingerprint.compute(
///     content: campaign.content, from: "Shop <news@shop.example>", attachments: [], signer: nil)
/// // "sha256:3f1c…"
/// ```
public enum CampaignFingerprint {
    /// The fingerprint of `content` sent as `from` (the effective From: the campaign's, or the
    /// configuration's when it has none), with `attachments` (the files' names and bytes, in order)
    /// signed by `signer` (nil: unsigned).
    public static func compute(content: CampaignContent, from: String, attachments: [Attachment], signer: DKIMSigner?) -> String {
        var encoder = FieldEncoder()
        encoder.add("bulkhead-campaign-fingerprint-1")
        encoder.add(content.kind.rawValue)
        encoder.add(content.subjectTemplate)
        encoder.add(content.textTemplate)
        encoder.add(optional: content.htmlTemplate)
        encoder.add(from)
        encoder.add(count: attachments.count)
        for attachment in attachments {
            encoder.add(attachment.filename)
            encoder.add(bytes: attachment.data)
        }
        encoder.add(optional: content.dkimKeyRef)
        if let signer {
            encoder.add(count: 1)
            encoder.add(signer.configuration.domain)
            encoder.add(signer.configuration.selector)
            encoder.add(signer.key.publicKey.dnsKeyData)
        } else {
            encoder.add(count: 0)
        }
        return "sha256:" + SHA256.hash(data: encoder.bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Each field as its length (8 bytes, big-endian) and its bytes.
    private struct FieldEncoder {
        var bytes: [UInt8] = []

        mutating func add(count: Int) {
            withUnsafeBytes(of: UInt64(count).bigEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func add(bytes field: [UInt8]) {
            add(count: field.count)
            bytes.append(contentsOf: field)
        }

        mutating func add(_ text: String) {
            add(bytes: Array(text.utf8))
        }

        /// A marker (0 absent, 1 present) first: an absent value differs from an empty one.
        mutating func add(optional text: String?) {
            guard let text else { return add(count: 0) }
            add(count: 1)
            add(text)
        }
    }
}
