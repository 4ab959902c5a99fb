/// The `Action:` of one recipient in a delivery status notification (RFC 3464 §2.3.3).
public enum DSNAction: String, Sendable, Hashable, CaseIterable {
    /// The message could not be delivered and will not be retried (or was given up on).
    case failed
    /// Delivery has not succeeded yet; the reporting MTA keeps trying (a warning).
    case delayed
    /// Delivered to the recipient's mailbox.
    case delivered
    /// Handed on to a system that does not send DSNs; no further notice will come.
    case relayed
    /// Delivered to a list or alias that expanded it to other recipients.
    case expanded

    /// Parses an action value, case-insensitively, ignoring white space and a trailing comment
    /// (`failed (too many retries)`); nil for any other text.
    public init?(fieldValue: String) {
        var token = Substring(fieldValue)
        if let paren = token.firstIndex(of: "(") { token = token[..<paren] }
        let word = token.dsnTrimmingWhitespace().dsnLowercasedASCII()
        guard let action = DSNAction(rawValue: word) else { return nil }
        self = action
    }
}

/// What one recipient's report means for a bulk sender's address list.
///
/// Decided by ``BounceClass/init(action:status:)`` from the action and the status code:
///
/// | Action | Status | Class | Seen in |
/// |---|---|---|---|
/// | `failed` | `5.x.x` except `x.4.7` | ``hard`` | both MTAs: unknown user, disabled mailbox, too big, loop |
/// | `failed` | `4.x.x` | ``expired`` | Postfix: a deferral that timed out (`4.4.1` after `maximal_queue_lifetime`) |
/// | `failed` | `x.4.7` | ``expired`` | "Delivery time expired", whatever the class |
/// | `failed` | `2.x.x` | ``hard`` | never seen; the action is trusted over an inconsistent status |
/// | `delayed` | `x.4.7` | ``expired`` | OpenSMTPD: its expiry report says `delayed` with `4.4.7` |
/// | `delayed` | anything else | ``soft`` | both MTAs: delay warnings (`4.4.1`, OpenSMTPD `4.0.0`) |
/// | `delivered`, `relayed`, `expanded` | any | ``success`` | success DSNs (`NOTIFY=SUCCESS`) |
///
/// Telling OpenSMTPD's expiry from its warning: both say `Action: delayed` and the same human text
/// ("only a temporary failure report"), so neither the action nor the prose can be trusted; the
/// status is the reliable signal. In the corpus every expiry carries `4.4.7` (its notification also
/// names the cause "Envelope expired") while every warning carries `4.0.0` with the last error
/// ("Network error on destination MXs"). RFC 3463 defines `x.4.7` as "Delivery time expired", so
/// the rule "`x.4.7` ⇒ expired" is correct for any MTA, not only OpenSMTPD.
public enum BounceClass: String, Sendable, Hashable, CaseIterable {
    /// A permanent failure: the address should be suppressed.
    case hard
    /// A transient failure the MTA is still retrying: no action needed yet.
    case soft
    /// The MTA gave up after retrying for its whole queue lifetime: the destination was unreachable
    /// or deferring for days, which says little about the mailbox itself.
    case expired
    /// Delivered, relayed or expanded.
    case success

    /// Classifies one recipient's action and status as the table above says.
    public init(action: DSNAction, status: EnhancedStatusCode) {
        switch action {
        case .delivered, .relayed, .expanded:
            self = .success
        case .delayed:
            self = status.isDeliveryTimeExpired ? .expired : .soft
        case .failed:
            if status.isDeliveryTimeExpired || status.statusClass == .persistentTransientFailure {
                self = .expired
            } else {
                self = .hard
            }
        }
    }
}
