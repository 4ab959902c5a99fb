import BulkheadMail
import Testing

/// `HeaderKeyword` and `MessageIDList`: the small readers of structured values the auto-responder needs.
@Suite struct ParseHeaderKeywordTests {
    @Test(arguments: [
        ("no", "no"), ("No", "no"), ("  NO  ", "no"), ("no (a person wrote this)", "no"), ("(comment) auto-replied", "auto-replied"),
        ("Auto-Generated; owner-email=\"a@b.example\"", "auto-generated"), ("auto-notified\r\n (folded)", "auto-notified"),
        ("bulk", "bulk"), ("auto_reply", "auto_reply"),
    ])
    func keywords(value: String, keyword: String) {
        #expect(HeaderKeyword(parsing: value)?.keyword == keyword)
    }

    @Test(arguments: ["", "   ", "(only a comment)", "text/plain", ";x=y", "\"quoted\""])
    func valuesWithoutOneToken(value: String) {
        #expect(HeaderKeyword(parsing: value) == nil)
    }

    @Test func parametersAreRead() {
        let keyword = HeaderKeyword(parsing: "auto-replied; owner-email=\"ann@example.org\" (why); Reason=vacation")
        #expect(keyword?.parameters == ["owner-email": "ann@example.org", "reason": "vacation"])
    }

    @Test func listsAreSplitAtCommas() {
        #expect(HeaderKeyword.list("DR, OOF,AutoReply ,, (c) RN").map(\.keyword) == ["dr", "oof", "autoreply", "rn"])
        #expect(HeaderKeyword.list("").isEmpty)
    }

    @Test func messageIdentifiersAreReadLeniently() {
        #expect(MessageIDList.parse("<a.1@example.org>") == ["<a.1@example.org>"])
        #expect(
            MessageIDList.parse("<a.1@example.org> (first, <not@this.one>)\r\n <b.2@[192.0.2.1]>\t<c+3@example.org>")
                == ["<a.1@example.org>", "<b.2@[192.0.2.1]>", "<c+3@example.org>"])
        #expect(MessageIDList.parse("<broken <ok@example.org>") == ["<ok@example.org>"])
        #expect(MessageIDList.parse("<> <with space@example.org> <unclosed@example.org") == [])
        #expect(MessageIDList.parse("<é@example.org> <\u{7F}@x>") == [])
        #expect(MessageIDList.parse("no identifier") == [])
        let long = "<" + String(repeating: "a", count: 240) + "@example.org>"
        #expect(MessageIDList.parse(long + " <short@example.org>") == ["<short@example.org>"])
    }
}
