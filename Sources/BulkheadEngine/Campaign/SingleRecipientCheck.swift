import BulkheadMail

/// The last check before a campaign message leaves the factory: the header section has exactly one
/// `To` field holding exactly one mailbox, equal to the recipient, and no Cc, Bcc or Resent-* recipients.
enum SingleRecipientCheck {
    /// Lower-cased names of fields that must never appear in a campaign message.
    private static let forbidden: Set<String> = ["cc", "bcc", "resent-to", "resent-cc", "resent-bcc", "apparently-to"]

    /// Throws ``CampaignMessageError/recipientExposure(reason:)`` unless `message` has exactly one
    /// To mailbox equal to `recipient` (local part exactly, domain case-insensitively in ASCII form).
    static func verify(_ message: [UInt8], recipient: Mailbox) throws(CampaignMessageError) {
        var toValues: [String] = []
        var index = 0
        let count = message.count
        var sawEnd = false
        while index < count {
            // One field: up to a CRLF not followed by white space.
            let start = index
            if message[index] == 0x0D, index + 1 < count, message[index + 1] == 0x0A {
                sawEnd = true
                break
            }
            var value: [UInt8] = []
            var nameEnd: Int?
            while index < count {
                let byte = message[index]
                if byte == 0x0D, index + 1 < count, message[index + 1] == 0x0A {
                    index += 2
                    if index < count, message[index] == 0x20 || message[index] == 0x09 { continue }
                    break
                }
                if nameEnd == nil {
                    if byte == UInt8(ascii: ":") { nameEnd = index }
                } else {
                    value.append(byte)
                }
                index += 1
            }
            guard let nameEnd else {
                throw .recipientExposure(reason: "header line without a colon at offset \(start)")
            }
            let name = String(decoding: message[start..<nameEnd], as: UTF8.self).lowercased()
            if name == "to" {
                toValues.append(String(decoding: value, as: UTF8.self))
            } else if forbidden.contains(name) {
                throw .recipientExposure(reason: "a \(name) field is present")
            }
        }
        guard sawEnd else { throw .recipientExposure(reason: "no end of header section") }
        guard toValues.count == 1 else { throw .recipientExposure(reason: "\(toValues.count) To fields") }
        let mailboxes: [Mailbox]
        do {
            mailboxes = try AddressList.parse(toValues[0]).flatMap(\.mailboxes)
        } catch {
            throw .recipientExposure(reason: "To does not parse: \(error)")
        }
        guard mailboxes.count == 1 else { throw .recipientExposure(reason: "\(mailboxes.count) mailboxes in To") }
        let found = mailboxes[0]
        guard found.localPart == recipient.localPart, asciiDomain(found) == asciiDomain(recipient) else {
            throw .recipientExposure(reason: "To holds another address than the recipient")
        }
    }

    private static func asciiDomain(_ mailbox: Mailbox) -> String {
        ((try? mailbox.asciiDomain) ?? mailbox.domain).lowercased()
    }
}
