import BulkheadMail
import Testing

/// RFC 3463 status codes, DSN actions, the bounce-class table and `type; value` fields.
@Suite struct DSNStatusCodeTests {
    @Test func parsesStatusCodes() throws {
        let code = try EnhancedStatusCode(parsing: "5.1.1")
        #expect(code.statusClass == .permanentFailure)
        #expect(code.subject == 1)
        #expect(code.detail == 1)
        #expect(code.description == "5.1.1")
        #expect(code.meaning == "Bad destination mailbox address")
        #expect(code.subjectMeaning == "Addressing")
        #expect(try EnhancedStatusCode(parsing: "  4.4.7 ").isDeliveryTimeExpired)
        #expect(try EnhancedStatusCode(parsing: "2.0.0").statusClass == .success)
        #expect(try EnhancedStatusCode(parsing: "4.2.2").meaning == "Mailbox full")
        #expect(
            try EnhancedStatusCode(parsing: "5.7.1 (delivery not authorized)").meaning
                == "Delivery not authorized, message refused")
        #expect(try EnhancedStatusCode(parsing: "5.999.123").description == "5.999.123")
        #expect(try EnhancedStatusCode(parsing: "5.999.123").meaning == nil)
        #expect(try EnhancedStatusCode(parsing: "5.8.0").subjectMeaning == nil)
    }

    @Test func refusesMalformedStatusCodes() {
        let cases: [(String, EnhancedStatusCodeError)] = [
            ("", .empty),
            ("   ", .empty),
            ("5.1", .wrongNumberOfParts("5.1", count: 2)),
            ("5.1.1.1", .wrongNumberOfParts("5.1.1.1", count: 4)),
            ("3.1.1", .unknownClass(3)),
            ("05.1.1", .badNumber(part: "class", text: "05")),
            ("5.1234.1", .badNumber(part: "subject", text: "1234")),
            ("5..1", .badNumber(part: "subject", text: "")),
            ("5.1.x", .badNumber(part: "detail", text: "x")),
            ("550", .wrongNumberOfParts("550", count: 1)),
            ("5.1.1 bad", .unexpectedText("5.1.1 bad", offset: 6)),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\"\(text)\"") { try EnhancedStatusCode(parsing: text) }
        }
        #expect(throws: EnhancedStatusCodeError.numberOutOfRange(part: "detail", value: 1000)) {
            try EnhancedStatusCode(statusClass: .success, subject: 0, detail: 1000)
        }
    }

    @Test func parsesActions() {
        #expect(DSNAction(fieldValue: "failed") == .failed)
        #expect(DSNAction(fieldValue: " Delayed ") == .delayed)
        #expect(DSNAction(fieldValue: "DELIVERED") == .delivered)
        #expect(DSNAction(fieldValue: "relayed (no DSN support)") == .relayed)
        #expect(DSNAction(fieldValue: "expanded") == .expanded)
        #expect(DSNAction(fieldValue: "bounced") == nil)
        #expect(DSNAction(fieldValue: "") == nil)
    }

    /// The table in ``BounceClass``'s documentation, row by row.
    @Test(arguments: [
        ("failed", "5.1.1", BounceClass.hard),
        ("failed", "5.0.0", .hard),
        ("failed", "4.4.1", .expired),
        ("failed", "4.0.0", .expired),
        ("failed", "5.4.7", .expired),
        ("failed", "2.0.0", .hard),
        ("failed", "5.1.10", .hard),
        ("failed", "5.2.1", .hard),
        ("failed", "5.4.0", .hard),
        ("failed", "5.3.4", .rejectedMessage),
        ("failed", "5.2.3", .rejectedMessage),
        ("failed", "5.6.0", .rejectedMessage),
        ("failed", "5.7.1", .rejectedMessage),
        ("failed", "5.7.26", .rejectedMessage),
        ("failed", "5.2.2", .soft),
        ("failed", "4.4.7", .expired),
        ("delayed", "4.7.1", .soft),
        ("delayed", "4.4.7", .expired),
        ("delayed", "4.0.0", .soft),
        ("delayed", "4.4.1", .soft),
        ("delayed", "5.1.1", .soft),
        ("delivered", "2.0.0", .success),
        ("relayed", "2.0.0", .success),
        ("expanded", "2.0.0", .success),
    ])
    func bounceClassTable(action: String, status: String, expected: BounceClass) throws {
        let action = try #require(DSNAction(fieldValue: action))
        #expect(BounceClass(action: action, status: try EnhancedStatusCode(parsing: status)) == expected)
    }

    /// Rule (a): a generic status takes the most specific code of its class from the diagnostic.
    @Test(arguments: [
        ("5.0.0", "550 5.1.1 <x@y.example>: Recipient address rejected: User unknown", "5.1.1"),
        ("5.0.0", "550-5.1.1 The email account that you tried to reach does not exist.", "5.1.1"),
        ("5.0.0", "#550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found ##", "5.1.10"),
        ("5.0.0", "552 5.3.4 Error: message file too big.", "5.3.4"),
        ("5.0.0", "451 4.2.0 try later; then 550 5.7.1 blocked", "5.7.1"),  // the first same-class code
        ("5.0.0", "451 4.7.1 greylisted", "5.0.0"),  // another class is not taken
        ("5.0.0", "host [10.5.1.1] said: no", "5.0.0"),  // an IP address is not a code
        ("5.0.0", "Exim 5.96.1x", "5.0.0"),  // glued to a word
        ("5.0.0", "550 5.0.0 still generic", "5.0.0"),
        ("5.1.0", "550 5.7.1 policy; 550 5.1.1 unknown", "5.1.1"),  // x.S.0: same subject only
        ("5.1.1", "550 5.7.1 anything", "5.1.1"),  // a specific status stays
        ("4.0.0", "450 4.2.2 mailbox full", "4.2.2"),
    ])
    func refinesGenericStatus(status: String, diagnostic: String, expected: String) throws {
        #expect(try EnhancedStatusCode(parsing: status).refined(byDiagnostic: diagnostic).description == expected)
    }

    /// The decision function with the diagnostic and explanation texts: rules (a), (b) and (c).
    @Test func classifiesByDiagnosticAndExplanation() throws {
        let generic = try EnhancedStatusCode(parsing: "5.0.0")
        let cases: [(DSNAction, EnhancedStatusCode, String?, String?, BounceClass)] = [
            (.failed, generic, "550 5.1.1 <bob@example.com>: User unknown", nil, .hard),
            (.failed, generic, "550 5.7.1 Message rejected as spam", nil, .rejectedMessage),
            (.failed, generic, "550 5.3.4 Message too big", nil, .rejectedMessage),
            (.failed, generic, "552 5.2.2 Mailbox full", nil, .soft),
            (.failed, generic, nil, "fred@example.com: 552 5.3.4 Message size exceeds fixed maximum", .rejectedMessage),
            (.failed, generic, nil, "  bob@example.com\n    retry timeout exceeded", .expired),
            (.failed, generic, "delivery temporarily suspended: connect to mx.example.com: Connection timed out", nil, .expired),
            (.failed, generic, "550 Message expired", nil, .expired),
            (.failed, generic, "554 Message is Too Old to deliver", nil, .expired),
            (.failed, try EnhancedStatusCode(parsing: "5.7.1"), nil, "Status: 5.7.1 (Retry Timeout Exceeded)", .expired),
            (.failed, generic, nil, nil, .hard),
            (.failed, generic, "550 Requested action not taken: mailbox unavailable", nil, .hard),
            // A timeout text does not make a delay warning final.
            (.delayed, try EnhancedStatusCode(parsing: "4.4.1"), "retry timeout exceeded", nil, .soft),
            (.delivered, try EnhancedStatusCode(parsing: "2.0.0"), "message expired", nil, .success),
        ]
        for (action, status, diagnostic, explanation, expected) in cases {
            #expect(
                BounceClass(action: action, status: status, diagnostic: diagnostic, explanation: explanation) == expected,
                "\(action) \(status) \(diagnostic ?? "-") / \(explanation ?? "-")")
        }
    }

    @Test func parsesTypedValues() throws {
        #expect(try DSNTypedValue(parsing: "dns; mx.example.test") == DSNTypedValue(type: "dns", value: "mx.example.test"))
        #expect(
            try DSNTypedValue(parsing: "SMTP;550 5.1.1 no such user; sorry")
                == DSNTypedValue(type: "smtp", value: "550 5.1.1 no such user; sorry"))
        #expect(
            try DSNTypedValue(address: "rfc822;kim@reject.example.test")
                == DSNTypedValue(type: "rfc822", value: "kim@reject.example.test"))
        #expect(try DSNTypedValue(address: "RFC822; <bob@example.test>") == DSNTypedValue(type: "rfc822", value: "bob@example.test"))
        // rfc822 values are plain text: a "+2B" is not xtext-decoded.
        #expect(try DSNTypedValue(address: "rfc822; alice+2Btag@example.test").value == "alice+2Btag@example.test")
        // RFC 6533 utf-8-addr-xtext: \x{HEX} escapes decoded.
        #expect(
            try DSNTypedValue(address: "utf-8; j\\x{F6}rg@b\\x{FC}cher.example")
                == DSNTypedValue(type: "utf-8", value: "jörg@bücher.example"))
        #expect(try DSNTypedValue(address: "UTF-8; \\x{1F600}\\x{2B}x@example.test").value == "😀+x@example.test")
        // utf-8-address / unitext: raw UTF-8 kept.
        #expect(try DSNTypedValue(address: "utf-8; 用户@例子.广告").value == "用户@例子.广告")
    }

    @Test func refusesMalformedTypedValues() {
        #expect(throws: DSNTypedValueError.missingSemicolon("mx.example.test")) { try DSNTypedValue(parsing: "mx.example.test") }
        #expect(throws: DSNTypedValueError.emptyType(" ; x")) { try DSNTypedValue(parsing: " ; x") }
        #expect(throws: DSNTypedValueError.invalidType("x y; z")) { try DSNTypedValue(parsing: "x y; z") }
        #expect(throws: DSNTypedValueError.emptyValue("rfc822; ")) { try DSNTypedValue(address: "rfc822; ") }
        let bad: [(String, Int)] = [
            ("a\\x{D800}@x", 1),  // surrogate
            ("a\\x{110000}@x", 1),  // above U+10FFFF
            ("a\\x{F}@x", 1),  // one digit
            ("a\\x{00F6}@x", 1),  // leading zero in a long form
            ("a\\x{F6@x", 1),  // unterminated
            ("ab\\y@x", 2),  // not an escape
            ("a\\", 1),  // truncated
            ("a\\x{1234567}@x", 1),  // seven digits
        ]
        for (address, offset) in bad {
            #expect(throws: DSNTypedValueError.badUnicodeEscape(address, offset: offset), "\(address)") {
                try DSNTypedValue(address: "utf-8; " + address)
            }
        }
    }
}
