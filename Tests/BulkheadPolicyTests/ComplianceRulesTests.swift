import BulkheadPolicy
import Testing

/// Issue 9, rule 5: what a commercial campaign must carry; errors towards a real upstream, warnings
/// towards the capture mailbox, nothing for transactional mail.
@Suite struct ComplianceRulesTests {
    static func codes(_ plan: SendPlan) -> [String] { CampaignRules().check(plan).map(\.code) }

    @Test func aCompliantPlanHasNoFindings() {
        #expect(CampaignRules().check(Plans.compliant(3)).isEmpty)
    }

    @Test func eachMissingPieceIsNamed() {
        var plan = Plans.compliant(3)
        plan.postalAddress = nil
        #expect(Self.codes(plan) == ["compliance.postal-address-unset"])

        plan = Plans.compliant(3)
        plan.html = "<p>Hello Ann</p>"
        #expect(Self.codes(plan) == ["compliance.postal-address-missing", "compliance.unsubscribe-link-missing"])

        plan = Plans.compliant(3)
        plan.listUnsubscribe = "<mailto:unsubscribe@shop.example>"
        #expect(Self.codes(plan) == ["compliance.one-click-missing"])

        plan = Plans.compliant(3)
        plan.dkimSignedHeaders = ["From", "List-Unsubscribe"]
        #expect(Self.codes(plan) == ["compliance.one-click-unsigned"])

        plan = Plans.compliant(3)
        plan.dkimDomain = nil
        #expect(Self.codes(plan) == ["compliance.dkim-missing"])

        plan = Plans.compliant(3, subject: "Re: your order")
        #expect(Self.codes(plan) == ["compliance.subject-reply-prefix"])
        plan = Plans.compliant(3, subject: "   ")
        #expect(Self.codes(plan) == ["compliance.subject-empty"])
    }

    @Test func aPublicMailboxFromDomainAndAnUnalignedKey() {
        var plan = Plans.compliant(3)
        plan.fromDomain = "gmail.com"
        #expect(Self.codes(plan) == ["compliance.from-public-mailbox", "compliance.dkim-unaligned"])
        plan.fromDomain = "news.shop.example"
        #expect(Self.codes(plan).isEmpty, "a subdomain of the signing domain is aligned (relaxed)")
        plan.dkimDomain = "mail.shop.example"
        #expect(Self.codes(plan).isEmpty, "siblings under one organisational domain are aligned (relaxed)")
        plan.dkimDomain = "esp.example"
        #expect(Self.codes(plan) == ["compliance.dkim-unaligned"])
        plan.fromDomain = "shop.co.uk"
        plan.dkimDomain = "other.co.uk"
        #expect(Self.codes(plan) == ["compliance.dkim-unaligned"], "co.uk is a registry, not an organisation")
    }

    @Test func severityFollowsTheTransportAndTransactionalIsExempt() {
        var plan = Plans.compliant(3, transport: .upstream)
        plan.postalAddress = nil
        #expect(CampaignRules().check(plan).map(\.severity) == [.error])
        plan.transport = .capture
        #expect(CampaignRules().check(plan).map(\.severity) == [.warning])
        plan.kind = .transactional
        #expect(CampaignRules().check(plan).isEmpty)
    }
}
