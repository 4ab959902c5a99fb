import BulkheadStore
import Testing

@testable import BulkheadEngine

/// What a qmail bounce leaves on its ledger entry as the diagnostic: one line, bounded.
@Suite struct QmailDiagnosticTests {
    @Test func theExplanationBecomesOneBoundedLine() {
        #expect(
            InboundMailRouter.qmailDiagnostic("192.0.2.25 does not like recipient.\nRemote host said: 550 5.1.1 no\n")
                == "qmail; 192.0.2.25 does not like recipient. Remote host said: 550 5.1.1 no")
        #expect(InboundMailRouter.qmailDiagnostic("a\u{0}\u{1B}[31m\tb  \r\n  c\u{7F}") == "qmail; a [31m b c")
        #expect(InboundMailRouter.qmailDiagnostic("") == "qmail; ")
        let long = InboundMailRouter.qmailDiagnostic(String(repeating: "é", count: 5_000))
        #expect(long.unicodeScalars.count == "qmail; ".count + 1_000)
    }

    /// qmail prints addresses unquoted: a local part is taken word for word, never as an addr-spec
    /// whose parenthesised comment would be dropped.
    @Test func qmailAddressesAreTakenWordForWord() throws {
        #expect(InboundMailRouter.qmailAddress("Bob@Example.ORG") == (try NormalizedAddress("bob@example.org")))
        #expect(InboundMailRouter.qmailAddress("john doe@x.example") == (try NormalizedAddress("\"john doe\"@x.example")))
        #expect(InboundMailRouter.qmailAddress("bob(old)@x.example") != (try NormalizedAddress("bob@x.example")))
        #expect(InboundMailRouter.qmailAddress("no-at-sign") == nil)
    }
}
