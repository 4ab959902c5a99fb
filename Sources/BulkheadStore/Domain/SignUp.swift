import Foundation

/// Whether a list takes sign-ups from the public form (`bulkhead list sign-up`).
public enum ListSignUp: String, Sendable, Hashable, Codable, CaseIterable {
    /// No public sign-ups (the default): the form answers 404.
    case off
    /// Sign-ups from the public form, each confirmed by the link mailed to the address.
    case doubleOptIn = "double-opt-in"
}

/// How many confirmation mails the public sign-up form may cause (counted in the store, so every
/// process sharing it counts the same mails).
///
/// ```swift
/// let limits = SignUpLimits(perAddressInterval: 600, perClientPerHour: 20, perListPerHour: 500)
/// ```
public struct SignUpLimits: Sendable, Hashable {
    /// At most one confirmation mail per address and list in this many seconds.
    public var perAddressInterval: Int
    /// At most this many confirmation mails per client (its network address) in an hour.
    public var perClientPerHour: Int
    /// At most this many confirmation mails per list in an hour.
    public var perListPerHour: Int
    /// At most one confirmation mail in this many seconds (30 days) to a person who unsubscribed
    /// from the list. Anyone can fill in the form with their address, and their opt-out holds until
    /// they confirm; one mail a month still lets them come back by themselves.
    public var afterUnsubscribeInterval: Int

    /// Limits; see the properties.
    public init(
        perAddressInterval: Int = 600, perClientPerHour: Int = 20, perListPerHour: Int = 500, afterUnsubscribeInterval: Int = 30 * 86_400
    ) {
        self.perAddressInterval = perAddressInterval
        self.perClientPerHour = perClientPerHour
        self.perListPerHour = perListPerHour
        self.afterUnsubscribeInterval = afterUnsubscribeInterval
    }
}

/// One request from the public sign-up form.
public struct SignUpRequest: Sendable, Hashable {
    /// The list signed up for.
    public var list: ListID
    /// The address given.
    public var address: NormalizedAddress
    /// The name given; kept only for a subscriber stored by this request (nobody renames another
    /// person through the public form).
    public var name: String?
    /// Who asked (the peer's network address): counted by ``SignUpLimits/perClientPerHour``.
    public var client: String

    /// A request; see the properties.
    public init(list: ListID, address: NormalizedAddress, name: String?, client: String) {
        self.list = list
        self.address = address
        self.name = name
        self.client = client
    }
}

/// What the store decided about a sign-up request. The page shown is the same for all but
/// ``closed`` and a client over its budget: nobody learns an address's state from it.
public enum SignUpReceipt: Sendable, Hashable {
    /// Send one confirmation mail to this subscriber (counted against the limits already).
    case sendConfirmation(SubscriberID)
    /// Already a confirmed member: nothing changes, no mail.
    case alreadyConfirmed
    /// The address is suppressed: nothing stored, no mail.
    case suppressed
    /// Over a limit: nothing stored, no mail.
    case throttled(SignUpThrottle)
    /// The list takes no public sign-ups.
    case closed
}

/// Which limit refused a sign-up request.
public enum SignUpThrottle: String, Sendable, Hashable {
    /// A confirmation mail went to this address for this list recently.
    case address
    /// This client caused too many confirmation mails in the last hour.
    case client
    /// The list sent too many confirmation mails in the last hour.
    case list
}

/// What a confirmation POST did.
public enum SignUpConfirmation: Sendable, Hashable {
    /// Now a confirmed member (with a consent record); `suppressed`: the address still gets nothing.
    case confirmed(suppressed: Bool)
    /// Was confirmed already (nothing written); `suppressed` as above.
    case alreadyConfirmed(suppressed: Bool)
    /// The membership changed after the link was sent (the person unsubscribed since), or the
    /// subscriber is gone: the link no longer confirms anything.
    case stale
    /// The list takes no public sign-ups any more.
    case closed
}
