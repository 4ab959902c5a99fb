import BulkheadPolicy
import Testing

/// Issue 9, rule 4 (DLP): each detector on published test values and on near misses, and the rule's
/// findings and modes. Secret-shaped values are assembled from pieces so that no scanner mistakes this
/// file for a leak.
@Suite struct SensitiveContentTests {
    @Test(arguments: [
        "4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444", "378282246310005", "6011111111111117",
        "card: 4012888888881881.",
    ])
    func paymentCards(_ text: String) {
        #expect(SensitiveContent.find(in: text) == [.paymentCard], "\(text)")
    }

    @Test(arguments: [
        "4111 1111 1111 1112",  // fails Luhn
        "1234567812345670",  // Luhn-valid, no card prefix
        "4111 1111 1111",  // too short
        "Order 20261201 shipped on 2026-12-01, tracking 1Z999AA10123456784",
        "call +49 30 1234 5678",
    ])
    func notPaymentCards(_ text: String) {
        #expect(!SensitiveContent.find(in: text).contains(.paymentCard), "\(text)")
    }

    @Test func ibansPassMod97() {
        #expect(SensitiveContent.find(in: "IBAN DE89370400440532013000") == [.iban])
        #expect(SensitiveContent.find(in: "pay to DE89 3704 0044 0532 0130 00 please") == [.iban])
        #expect(SensitiveContent.find(in: "GB82WEST12345698765432") == [.iban])
        #expect(SensitiveContent.find(in: "DE89370400440532013001").isEmpty, "wrong check")
        #expect(SensitiveContent.find(in: "XX89370400440532013000").isEmpty, "no such country")
    }

    @Test func socialSecurityNumbers() {
        #expect(SensitiveContent.find(in: "SSN 123-45-6789") == [.usSocialSecurityNumber])
        for never in ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "2026-12-01", "12-345-6789"] {
            #expect(SensitiveContent.find(in: never).isEmpty, "\(never)")
        }
    }

    @Test func keysAndTokens() {
        let pem = "-----BEGIN " + "EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----"
        #expect(SensitiveContent.find(in: pem) == [.privateKey])
        #expect(SensitiveContent.find(in: "-----BEGIN PUBLIC KEY-----").isEmpty)
        let aws = "AKIA" + "IOSFODNN7EXAMPLE"
        let github = "ghp_" + String(repeating: "a1B2", count: 9)
        let slack = "xoxb-" + "123456789012-abcdefghijkl"
        let stripe = "sk_live_" + String(repeating: "4eC39HqLyjWDarjtT1", count: 2)
        for key in [aws, github, slack, stripe] {
            #expect(SensitiveContent.find(in: "key: \(key)") == [.accessKey], "\(key)")
        }
        #expect(SensitiveContent.find(in: "sk_test_abc and AKIA alone").isEmpty)
        let jwt = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        #expect(SensitiveContent.find(in: "token=\(jwt)") == [.webToken] || SensitiveContent.find(in: "token \(jwt)") == [.webToken])
        #expect(SensitiveContent.find(in: "version 1.2.3 and eyJ.a.b").isEmpty)
    }

    @Test func markings() {
        #expect(SensitiveContent.find(in: "CONFIDENTIAL: Q3 numbers") == [.confidentialMarking])
        #expect(SensitiveContent.find(in: "Internal only — do not forward") == [.confidentialMarking])
        #expect(SensitiveContent.find(in: "Our spring offer: 20 % off everything").isEmpty)
    }

    @Test func theRuleNamesWhereAndNeedsApprovalByDefault() {
        var plan = SendPlan(
            subject: "Your invoice", text: "Card on file: 4111 1111 1111 1111", html: nil, eligibleRecipients: 3,
            attachments: [
                PlannedAttachment(name: "customers.xlsx", text: nil),
                PlannedAttachment(name: "notes.txt", text: "internal only"),
            ])
        plan.kind = .transactional  // the compliance rules are not under test here
        let findings = CampaignRules().check(plan)
        #expect(
            findings.map(\.description) == [
                "approval dlp.payment-card: the text body holds a payment card number",
                "approval dlp.confidential: the attachment notes.txt holds a confidentiality marking",
                "approval dlp.data-export: the attachment customers.xlsx looks like a data export (.xlsx)",
            ])
        #expect(findings.map(\.location) == ["text body", "attachment notes.txt", "attachment customers.xlsx"])
        #expect(SendRequirements(findings, recipients: 3).approvalNeeded && !SendRequirements(findings, recipients: 3).mayGo)
        #expect(CampaignRules(thresholds: GuardrailThresholds(dlp: .error)).check(plan).allSatisfy { $0.severity == .error })
        #expect(CampaignRules(thresholds: GuardrailThresholds(dlp: .off)).check(plan).isEmpty)
    }

    /// The scan reads eight bytes at a time through runs of letters: every kind is found whatever the
    /// offset it starts at and whatever letters, digits or UTF-8 stand around it.
    @Test func findingsDoNotDependOnTheirOffset() {
        let pem = "-----BEGIN " + "RSA PRIVATE KEY-----"
        let cases: [(String, SensitiveContent)] = [
            ("4111 1111 1111 1111", .paymentCard), ("5555555555554444", .paymentCard), ("DE89 3704 0044 0532 0130 00", .iban),
            ("GB82WEST12345698765432", .iban), ("123-45-6789", .usSocialSecurityNumber), (pem, .privateKey),
            ("AKIA" + "IOSFODNN7EXAMPLE", .accessKey), ("Confidential", .confidentialMarking), ("do not forward", .confidentialMarking),
        ]
        for (value, kind) in cases {
            for pad in 0..<17 {
                for filler in ["x", "é", "Ab"] {
                    let before = String(repeating: filler, count: pad)
                    let text = "\(before) \(value) \(before)zz"
                    #expect(SensitiveContent.find(in: text) == [kind], "\(text.debugDescription)")
                }
            }
        }
        // A card number glued to letters on either side is still one digit run ended by a letter.
        #expect(SensitiveContent.find(in: "abcdefgh4111111111111111abcdefgh") == [.paymentCard])
        #expect(SensitiveContent.find(in: "abcdefghijklmnop").isEmpty)
    }

    /// A megabyte of ordinary text is scanned whole: the one card at its very end is found.
    @Test func aLongTextIsScannedToTheEnd() {
        let text = String(repeating: "order 12345 shipped, see DE89 page ", count: 30_000)
        #expect(SensitiveContent.find(in: text).isEmpty)
        #expect(SensitiveContent.find(in: text + "4111111111111111") == [.paymentCard])
    }
}
