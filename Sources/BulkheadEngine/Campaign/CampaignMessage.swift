/// The SMTP envelope of one campaign message: one sender (the VERP return path), one recipient.
public struct CampaignEnvelope: Sendable, Hashable {
    /// `MAIL FROM:<…>`: the per-recipient VERP return path.
    public let mailFrom: String
    /// The single `RCPT TO:<…>`.
    public let recipient: String
    /// True when the recipient's local part is non-ASCII: the relay must offer SMTPUTF8 (RFC 6531).
    public let requiresSMTPUTF8: Bool
}

/// One recipient's finished message: the envelope and the wire bytes (CRLF, DKIM-signed when the
/// factory has a signer).
public struct CampaignMessage: Sendable, Hashable {
    /// Sender and the one recipient for SMTP.
    public let envelope: CampaignEnvelope
    /// The message, ready for DATA (not dot-stuffed).
    public let bytes: [UInt8]
}
