public import BulkheadStore
import Crypto

/// The content hash of a campaign: SHA-256 over everything that decides what its recipients read
/// and whom it claims to come from — subject, text and HTML templates, each attachment (its path and
/// the SHA-256 of its bytes taken when the campaign was created), the From and the DKIM key
/// reference. Two campaigns with the same fingerprint send the same mail; any edit changes it. The
/// incident report shows it; an approval can record it and a send compare it.
///
/// Each field is written with a one-byte tag and its UTF-8 length (8 bytes, big-endian) before its
/// bytes, after a version label, so no two different contents share an input (`"ab" + "c"` is not
/// `"a" + "bc"`; an absent HTML template is not an empty one). Attachments are covered through the
/// digest stored with them, so the hash needs no file access; a reference stored by an older
/// version without a digest is covered by its path only.
///
/// ```swift
/// let hash = CampaignFingerprint.sha256(campaign.content)   // 64 lowercase hex digits
/// ```
public enum CampaignFingerprint {
    /// The fingerprint as 64 lowercase hex digits.
    public static func sha256(_ content: CampaignContent) -> String {
        var input: [UInt8] = Array("bulkhead campaign fingerprint v1".utf8)
        func field(_ tag: UInt8, _ text: String?) {
            guard let text else {
                input.append(0)
                input.append(tag)
                return
            }
            let bytes = Array(text.utf8)
            input.append(1)
            input.append(tag)
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { input.append(contentsOf: $0) }
            input.append(contentsOf: bytes)
        }
        field(1, content.subjectTemplate)
        field(2, content.textTemplate)
        field(3, content.htmlTemplate)
        field(4, content.from)
        field(5, content.dkimKeyRef)
        field(6, String(content.attachments.count))
        for attachment in content.attachments {
            field(7, attachment.path)
            field(8, attachment.sha256?.lowercased())
        }
        return SHA256.hash(data: input).map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 0x0F)] }.joined()
    }

    private static let hexDigits = "0123456789abcdef".map(String.init)
}
