import Testing

@testable import BulkheadEngine

/// The token of a List-Unsubscribe value we wrote, read back from a complaint's original headers.
@Suite struct ListUnsubscribeTokenTests {
    @Test func bothFormsAndNothingElse() {
        #expect(InboundMailRouter.unsubscribeToken(in: "<https://lists.example/u/AbC-1_2>, <mailto:unsubscribe+AbC-1_2@lists.example>") == "AbC-1_2")
        #expect(InboundMailRouter.unsubscribeToken(in: "<mailto:unsubscribe+t0k@lists.example>") == "t0k")
        #expect(InboundMailRouter.unsubscribeToken(in: " <https://x.example/p/u/tok?x=1>") == "tok")
        #expect(InboundMailRouter.unsubscribeToken(in: "<http://x.example/u/tok>") == nil, "only our https links")
        #expect(InboundMailRouter.unsubscribeToken(in: "<https://x.example/u/>, <mailto:unsubscribe+@x.example>") == nil)
        #expect(InboundMailRouter.unsubscribeToken(in: "") == nil)
    }
}
