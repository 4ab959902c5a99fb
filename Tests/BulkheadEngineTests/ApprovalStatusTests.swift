import BulkheadEngine
import BulkheadStore
import Foundation
import Testing

@Suite struct ApprovalStatusTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)
    static let audience = AudienceDefinition(listID: ListID(rawValue: 1), segment: nil)

    static func decision(
        _ decision: ApprovalDecision = .approve, fingerprint: String = "sha256:a", eligible: Int = 100, overridesThrough: Int64 = 0
    ) -> CampaignApproval {
        CampaignApproval(
            id: 1, campaignID: CampaignID(rawValue: 7), decision: decision, by: "bob", at: at, comment: "fine", fingerprint: fingerprint,
            audience: audience, eligible: eligible, overridesThrough: overridesThrough)
    }

    static func override(_ id: Int64, _ code: String) -> OverrideRequest {
        OverrideRequest(id: id, campaignID: CampaignID(rawValue: 7), code: code, reason: "r", by: "ann", at: at)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var latest: CampaignApproval?
        var fingerprint = "sha256:a"
        var audience = ApprovalStatusTests.audience
        var eligible = 100
        var overrides: [OverrideRequest] = []
        var expected: ApprovalStatus
        var testDescription: String { name }
    }

    static let approved = ApprovalStatus.approved(by: "bob", at: at, comment: "fine")
    static func voided(_ reason: ApprovalStatus.VoidReason) -> ApprovalStatus { .voided(by: "bob", at: at, reason: reason) }

    static let cases: [Case] = [
        Case(name: "no decision", latest: nil, expected: .missing),
        Case(name: "approved, nothing changed", latest: decision(), expected: approved),
        Case(name: "rejected", latest: decision(.reject), expected: .rejected(by: "bob", at: at, comment: "fine")),
        Case(
            name: "a rejection stays one when the content changes", latest: decision(.reject), fingerprint: "sha256:b",
            expected: .rejected(by: "bob", at: at, comment: "fine")),
        Case(name: "content changed", latest: decision(), fingerprint: "sha256:b", expected: voided(.contentChanged)),
        Case(
            name: "another list", latest: decision(), audience: AudienceDefinition(listID: ListID(rawValue: 2), segment: nil),
            expected: voided(.audienceChanged)),
        Case(
            name: "a segment added",
            latest: decision(), audience: AudienceDefinition(listID: ListID(rawValue: 1), segment: SegmentFilter(attributeEquals: ["a": "b"])),
            expected: voided(.audienceChanged)),
        Case(name: "grew 9 %", latest: decision(), eligible: 109, expected: approved),
        Case(name: "grew 9.99 %", latest: decision(eligible: 1001), eligible: 1101, expected: approved),
        Case(name: "grew exactly 10 %", latest: decision(), eligible: 110, expected: voided(.audienceGrew(from: 100, to: 110))),
        Case(name: "grew 50 %", latest: decision(), eligible: 150, expected: voided(.audienceGrew(from: 100, to: 150))),
        Case(name: "shrank", latest: decision(), eligible: 10, expected: approved),
        Case(name: "from 0 to 1", latest: decision(eligible: 0), eligible: 1, expected: voided(.audienceGrew(from: 0, to: 1))),
        Case(name: "0 stays 0", latest: decision(eligible: 0), eligible: 0, expected: approved),
        Case(
            name: "covered override", latest: decision(overridesThrough: 3), overrides: [override(2, "dkim.missing"), override(3, "x")],
            expected: approved),
        Case(
            name: "override after the approval", latest: decision(overridesThrough: 3), overrides: [override(3, "x"), override(4, "dkim.missing")],
            expected: voided(.overrideAdded(code: "dkim.missing"))),
        Case(name: "content first", latest: decision(), fingerprint: "sha256:z", eligible: 500, expected: voided(.contentChanged)),
    ]

    @Test(arguments: cases)
    func decide(_ item: Case) {
        let status = ApprovalStatus.decide(
            latest: item.latest, fingerprint: item.fingerprint, audience: item.audience, eligible: item.eligible, overrides: item.overrides)
        #expect(status == item.expected)
        #expect(status.isApproved == (item.expected == Self.approved))
    }

    @Test func describedForPeople() {
        #expect(Self.voided(.audienceGrew(from: 700, to: 812)).description.hasSuffix("the audience grew by 10 % or more (from 700 to 812)"))
        #expect(ApprovalStatus.missing.description == "not approved yet")
        #expect(Self.approved.description == "approved by bob at 2027-01-15T08:00:00Z: fine")
    }
}
