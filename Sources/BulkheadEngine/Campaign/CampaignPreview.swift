public import BulkheadStore

extension BulkheadEnvironment {
    /// A campaign's subject and bodies rendered for one subscriber (a sample recipient when nil), for
    /// the dashboard's preview and the approver's view. The unsubscribe link is a placeholder: a
    /// preview must not carry a working token.
    ///
    /// ```swift
    /// let rendered = try environment.preview(campaign, for: subscriber)
    /// print(rendered.subject, rendered.html ?? rendered.text ?? "")
    /// ```
    public func preview(_ campaign: Campaign, for subscriber: Subscriber?) throws -> RenderedCampaignContent {
        let content = campaign.content
        let templates = try CampaignTemplates(subject: content.subjectTemplate, text: content.textTemplate, html: content.htmlTemplate)
        let recipient =
            if let subscriber {
                try RecipientContext(
                    mailbox: subscriber.address.mailbox, name: subscriber.name, attributes: subscriber.attributes.mapValues(TemplateValue.init))
            } else {
                try RecipientContext(address: Self.previewAddress, name: "Sample Recipient")
            }
        let postal = configuration.identity.postalAddress.flatMap { $0.isEmpty ? nil : $0 }
        return try templates.render(
            CampaignTemplateContext(
                recipient: recipient, unsubscribeURL: Self.previewUnsubscribeURL, campaignName: content.name, postalAddress: postal))
    }

    /// The recipient of a preview for nobody in particular.
    public static let previewAddress = "sample.recipient@example.org"
    /// The unsubscribe link a preview shows instead of a working one.
    public static let previewUnsubscribeURL = "https://unsubscribe.invalid/preview"
}
