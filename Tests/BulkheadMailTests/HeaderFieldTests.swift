import Testing

@testable import BulkheadMail

@Suite struct HeaderFieldTests {
    @Test func refusesLineBreaksInValues() {
        for value in ["a\r\nBcc: x@example.com", "a\nb", "a\rb", "a\u{0}b"] {
            #expect(throws: HeaderError.self) { try HeaderField(name: "Subject", value: value) }
        }
        #expect(throws: HeaderError.forbiddenCharacterInValue(name: "Subject", offset: 5)) {
            try HeaderField(name: "Subject", value: "hello\nBcc: all@example.com")
        }
    }

    @Test func refusesBadNames() {
        for name in ["", "Sub ject", "Sub:ject", "Subjé", "X\r\n"] {
            #expect(throws: HeaderError.self) { try HeaderField(name: name, value: "v") }
        }
    }

    @Test func listLooksUpCaseInsensitivelyAndKeepsOrder() throws {
        var list = HeaderList()
        try list.append(name: "Received", value: "one")
        try list.append(name: "Subject", value: "s")
        try list.append(name: "RECEIVED", value: "two")
        #expect(list["received"] == "one")
        #expect(list.values(for: "Received") == ["one", "two"])
        try list.set(name: "received", value: "only")
        #expect(list.map(\.name) == ["received", "Subject"])
        list.removeAll(named: "SUBJECT")
        #expect(list.count == 1)
        #expect(!list.contains("Subject"))
    }
}
