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
/// Decided by ``BounceClass/init(action:status:diagnostic:explanation:)`` from the action, the
/// status code made specific (``EnhancedStatusCode/refined(byDiagnostic:)``: a generic `5.0.0`
/// with `Diagnostic-Code: smtp; 550 5.1.1 ...` counts as `5.1.1`; without a code in the
/// diagnostic, the code in the report's own words about the recipient counts, as OpenSMTPD writes
/// `fred@example.com: 552 5.3.4 Message size exceeds ...` there), and what the report says about
/// the recipient. Rules in order, first match wins:
///
/// | Action | Status (refined) | Class | Seen in |
/// |---|---|---|---|
/// | `delivered`, `relayed`, `expanded` | any | ``success`` | success DSNs (`NOTIFY=SUCCESS`) |
/// | `delayed` | `x.4.7` | ``expired`` | OpenSMTPD: its expiry report says `delayed` with `4.4.7` |
/// | `delayed` | anything else | ``soft`` | delay warnings (`4.4.1`, OpenSMTPD `4.0.0`) |
/// | `failed` | `x.4.7` or `4.x.x` | ``expired`` | Postfix: a deferral that timed out (`4.4.1` after `maximal_queue_lifetime`); Exchange `4.4.7` |
/// | `failed` | any, with a retry-timeout text | ``expired`` | Exim: `5.0.0` and "retry timeout exceeded" |
/// | `failed` | `5.3.4`, `5.2.3`, `5.6.x`, `5.7.x` | ``rejectedMessage`` | too big, content, spam, DMARC, policy |
/// | `failed` | `5.2.2` | ``soft`` | mailbox full (see below) |
/// | `failed` | other `5.x.x` | ``hard`` | unknown user or domain (`5.1.x`), disabled mailbox (`5.2.1`), loop |
/// | `failed` | `2.x.x` | ``hard`` | never seen; the action is trusted over an inconsistent status |
///
/// Retry-timeout texts (compared case-insensitively, in the `Diagnostic-Code`, the `Status:` field
/// and the report's own words about the recipient): "retry timeout exceeded", "retry time not
/// reached for any host after a long failure period" (Exim), "delivery temporarily suspended"
/// (Postfix), "message expired", "delivery time expired", "too old", "in the queue too long".
///
/// Mailbox full: RFC 3463 says `x.2.2` "should be used as a persistent transient failure"; some
/// providers send `552 5.2.2` as a final failure, but the mailbox exists and may be emptied, so one
/// such report is ``soft``, not ``hard`` (a suppression policy may count repeats).
///
/// Telling OpenSMTPD's expiry from its warning: both say `Action: delayed` and the same human text
/// ("only a temporary failure report"), so neither the action nor the prose can be trusted; the
/// status is the reliable signal. In the corpus every expiry carries `4.4.7` (its notification also
/// names the cause "Envelope expired") while every warning carries `4.0.0` with the last error
/// ("Network error on destination MXs"). RFC 3463 defines `x.4.7` as "Delivery time expired", so
/// the rule "`x.4.7` ⇒ expired" is correct for any MTA, not only OpenSMTPD.
public enum BounceClass: String, Sendable, Hashable, CaseIterable {
    /// A permanent failure of the address (unknown user or domain, disabled mailbox): the address
    /// should be suppressed.
    case hard
    /// A transient failure the MTA is still retrying, or a full mailbox: no action needed yet.
    case soft
    /// The MTA gave up after retrying for its whole queue lifetime: the destination was unreachable
    /// or deferring for days, which says little about the mailbox itself.
    case expired
    /// The receiving side refused this message, not the address: too big (`5.3.4`, `5.2.3`), its
    /// content or media (`5.6.x`), or a security or policy rule (`5.7.x`: spam, DMARC, blocked
    /// content, sender not authorised). This must not suppress the address: the same address
    /// accepts other messages; fix the message or the sending setup.
    case rejectedMessage
    /// Delivered, relayed or expanded.
    case success

    /// Classifies one recipient's outcome as the table above says. `diagnostic` is the
    /// `Diagnostic-Code` text, `explanation` any other text about this recipient (the `Status:`
    /// field, the report's human-readable lines); both are searched for a more specific status
    /// code (the diagnostic first) and for a retry-timeout text.
    ///
    /// ```swift
    /// let generic = try EnhancedStatusCode(parsing: "5.0.0")
    /// BounceClass(action: .failed, status: generic, diagnostic: "550 5.1.1 <bob@example.com>: User unknown")  // .hard
    /// BounceClass(action: .failed, status: generic, diagnostic: "550 5.7.1 Message rejected as spam")        // .rejectedMessage
    /// BounceClass(action: .failed, status: generic, explanation: "retry timeout exceeded")                   // .expired
    /// ```
    public init(action: DSNAction, status: EnhancedStatusCode, diagnostic: String? = nil, explanation: String? = nil) {
        let status = status.specific(diagnostic: diagnostic, explanation: explanation)
        switch action {
        case .delivered, .relayed, .expanded:
            self = .success
        case .delayed:
            self = status.isDeliveryTimeExpired ? .expired : .soft
        case .failed:
            if status.isDeliveryTimeExpired || status.statusClass == .persistentTransientFailure
                || BounceClass.saysRetryTimedOut(diagnostic) || BounceClass.saysRetryTimedOut(explanation)
            {
                self = .expired
            } else if status.statusClass == .permanentFailure && BounceClass.concernsMessage(status) {
                self = .rejectedMessage
            } else if status.statusClass == .permanentFailure && status.subject == 2 && status.detail == 2 {
                self = .soft
            } else {
                self = .hard
            }
        }
    }

    /// `x.3.4` too big for the system, `x.2.3` longer than the mailbox accepts, `x.6.x` content or
    /// media, `x.7.x` security or policy: about the message, not the address.
    private static func concernsMessage(_ status: EnhancedStatusCode) -> Bool {
        switch (status.subject, status.detail) {
        case (3, 4), (2, 3), (6, _), (7, _): true
        default: false
        }
    }

    private static let retryTimeoutTexts = [
        "retry timeout exceeded", "retry time not reached for any host after a long failure period",
        "delivery temporarily suspended", "message expired", "delivery time expired", "too old",
        "in the queue too long",
    ]

    private static func saysRetryTimedOut(_ text: String?) -> Bool {
        guard let text else { return false }
        let lowered = text.dsnLowercasedASCII()
        return retryTimeoutTexts.contains { lowered.contains($0) }
    }
}
