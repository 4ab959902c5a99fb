public import BulkheadSMTP

/// One recipient's finished message: the envelope and the wire bytes (CRLF, DKIM-signed when the
/// factory has a signer).
public struct CampaignMessage: Sendable, Hashable {
    /// Sender and the one recipient for SMTP.
    public let envelope: Envelope
    /// The message, ready for DATA (not dot-stuffed).
    public let bytes: [UInt8]
}
