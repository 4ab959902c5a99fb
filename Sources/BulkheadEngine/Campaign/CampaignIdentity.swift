public import BulkheadMail

/// Who sends a campaign and where replies, bounces and unsubscribes go: fixed for the whole campaign.
///
/// ```swift
/// let identity = CampaignIdentity(
///     campaignID: 42, name: "Spring offers",
///     from: Mailbox(displayName: "Shop", localPart: "news", domain: "shop.example"),
///     returnPathDomain: "bounce.shop.example",
///     unsubscribe: try UnsubscribeLinks(base: "https://lists.shop.example", mailtoDomain: "lists.shop.example"),
///     listID: "news.shop.example",
///     postalAddress: "Shop Ltd, 1 High Street, Leeds LS1 1AA, UK")
/// ```
public struct CampaignIdentity: Sendable, Hashable {
    /// The campaign's key (the store's campaign id), carried in unsubscribe tokens.
    public var campaignID: Int64
    /// The campaign's name, shown by `{{campaign}}`.
    public var name: String
    /// The author (`From:`); its domain also names the Message-ID.
    public var from: Mailbox
    /// An optional `Reply-To:` mailbox.
    public var replyTo: Mailbox?
    /// The domain of the VERP return path (`bounces+token@<domain>`).
    public var returnPathDomain: String
    /// The local part before `+token` in the return path.
    public var returnPathLocalPart: String
    /// Where the unsubscribe links point.
    public var unsubscribe: UnsubscribeLinks
    /// The List-Id identifier (`news.example.com`, RFC 2919), if the campaign's list has one.
    public var listID: String?
    /// A description shown before the List-Id identifier (`Shop news <news.example.com>`); non-ASCII
    /// text is sent as RFC 2047 encoded-words.
    public var listDescription: String?
    /// The sender's physical postal address (CAN-SPAM); when set, a footer with it and the unsubscribe
    /// link is added to the text and HTML bodies, and templates can show it as `{{postal_address}}`.
    public var postalAddress: String?

    /// An identity; see the properties for each part.
    public init(
        campaignID: Int64, name: String, from: Mailbox, replyTo: Mailbox? = nil,
        returnPathDomain: String, returnPathLocalPart: String = "bounces",
        unsubscribe: UnsubscribeLinks, listID: String? = nil, listDescription: String? = nil,
        postalAddress: String? = nil
    ) {
        self.campaignID = campaignID
        self.name = name
        self.from = from
        self.replyTo = replyTo
        self.returnPathDomain = returnPathDomain
        self.returnPathLocalPart = returnPathLocalPart
        self.unsubscribe = unsubscribe
        self.listID = listID
        self.listDescription = listDescription
        self.postalAddress = postalAddress
    }
}
