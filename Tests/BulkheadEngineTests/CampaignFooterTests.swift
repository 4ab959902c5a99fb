import Testing

@testable import BulkheadEngine

@Suite struct CampaignFooterTests {
    private let footer = CampaignFooter(postalAddress: "Shop & Co\n1 Road", unsubscribeURL: "https://shop.example/u/t?a=1&b=2")
    private let paragraph =
        "<hr><p style=\"font-size:12px;color:#666\">Shop &amp; Co<br>1 Road<br><a href=\"https://shop.example/u/t?a=1&amp;b=2\">Unsubscribe</a></p>"

    @Test func goesBeforeTheLastBodyEndInAnyCase() {
        #expect(footer.appended(toHTML: "<html><body>Hi</body></html>") == "<html><body>Hi\(paragraph)</body></html>")
        #expect(footer.appended(toHTML: "<BODY>é ü 😀</Body>\n") == "<BODY>é ü 😀\(paragraph)</Body>\n")
        // the last one, as the page ends there
        #expect(footer.appended(toHTML: "a</body>b</BODY>c") == "a</body>b\(paragraph)</BODY>c")
    }

    @Test func withoutABodyEndItGoesLast() {
        #expect(footer.appended(toHTML: "<p>Hi</p>") == "<p>Hi</p>\(paragraph)")
        #expect(footer.appended(toHTML: "</body") == "</body\(paragraph)")
        #expect(footer.appended(toHTML: "</bodY >") == "</bodY >\(paragraph)")
        #expect(footer.appended(toHTML: "") == paragraph)
    }

    @Test func findsTheTagByBytes() {
        func offset(_ text: String) -> Int? { Array(text.utf8).withUnsafeBufferPointer { CampaignFooter.lastBodyEnd(in: $0) } }
        #expect(offset("</body>") == 0)
        #expect(offset("ü</BoDy>") == 2)
        #expect(offset("</body") == nil)
        #expect(offset("") == nil)
    }
}
