import BulkheadPolicy

/// Send plans for the campaign rule tests.
enum Plans {
    static let postal = "Example Shop, 1 Market Street, Springfield"
    static let link = "https://shop.example/u/abc123"

    /// A plan every compliance rule is happy with (its footer carries the postal address and the link).
    static func compliant(
        _ recipients: Int, subject: String = "Spring offer for Ann", text: String = "Hello Ann, our spring offer.",
        transport: PlannedTransport = .upstream
    ) -> SendPlan {
        var plan = SendPlan(
            subject: subject, text: text + "\n\(postal)\nUnsubscribe: \(link)\n",
            html: "<p>Hello Ann</p><p>\(postal) <a href=\"\(link)\">Unsubscribe</a></p>", eligibleRecipients: recipients)
        plan.transport = transport
        plan.fromDomain = "shop.example"
        plan.postalAddress = postal
        plan.unsubscribeURL = link
        plan.listUnsubscribe = "<\(link)>, <mailto:unsubscribe+abc123@shop.example>"
        plan.listUnsubscribePost = "List-Unsubscribe=One-Click"
        plan.dkimDomain = "shop.example"
        plan.dkimSignedHeaders = ["From", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"]
        return plan
    }
}
