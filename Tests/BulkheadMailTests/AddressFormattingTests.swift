import Testing

@testable import BulkheadMail

@Suite struct AddressFormattingTests {
    @Test func formatsDisplayNames() {
        func format(_ name: String?, utf8: Bool = true) -> String {
            Mailbox(displayName: name, localPart: "a", domain: "example.com").formatted(utf8Allowed: utf8)
        }
        #expect(format(nil) == "a@example.com")
        #expect(format("") == "a@example.com")
        #expect(format("Ann Lee") == "Ann Lee <a@example.com>")
        #expect(format("Lee, Ann") == #""Lee, Ann" <a@example.com>"#)
        #expect(format("John Q. Public") == #""John Q. Public" <a@example.com>"#)
        #expect(format(#"Say "hi" \o/"#) == #""Say \"hi\" \\o/" <a@example.com>"#)
        #expect(format(" padded") == #"" padded" <a@example.com>"#)
        #expect(format("Jörg Müller") == "Jörg Müller <a@example.com>")
        #expect(format("Jörg Müller", utf8: false) == "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <a@example.com>")
        #expect(format("Zoë Smith", utf8: false) == "=?UTF-8?Q?Zo=C3=AB_Smith?= <a@example.com>")
        #expect(format("Zoë Smith, Jr", utf8: false) == "=?UTF-8?Q?Zo=C3=AB_Smith=2C_Jr?= <a@example.com>")
        #expect(format("=?UTF-8?Q?x?=") == "=?UTF-8?B?PT9VVEYtOD9RP3g/PQ==?= <a@example.com>")
        // `?=` alone is encoded too: a quoted `"a?= b"` lost its space in Python's email package.
        #expect(format("a?= b").hasPrefix("=?UTF-8?") && format("a?= b").hasSuffix("?= <a@example.com>"))
        #expect(format("line\r\nBcc: x@y") == "=?UTF-8?B?bGluZQ0KQmNjOiB4QHk=?= <a@example.com>")
    }

    @Test func formatsAddrSpecs() {
        let box = Mailbox(displayName: "Ann", localPart: "ann lee", domain: "Bücher.example")
        #expect(box.formatted(utf8Allowed: true) == #"Ann <"ann lee"@Bücher.example>"#)
        #expect(box.formatted(utf8Allowed: false) == #"Ann <"ann lee"@xn--bcher-kva.example>"#)
        #expect(Mailbox(localPart: "x", domain: "[192.0.2.1]").formatted(utf8Allowed: false) == "x@[192.0.2.1]")
    }

    @Test func formatsLists() throws {
        let list: [Address] = [
            .mailbox(Mailbox(displayName: "Ann", localPart: "ann", domain: "example.com")),
            .group(name: "undisclosed-recipients", members: []),
            .group(
                name: "Team A", members: [Mailbox(localPart: "b", domain: "x.test"), Mailbox(displayName: "C", localPart: "c", domain: "x.test")]),
        ]
        let text = AddressList.format(list)
        #expect(text == "Ann <ann@example.com>, undisclosed-recipients:;, Team A: b@x.test, C <c@x.test>;")
        #expect(try AddressList.parse(text) == list)
        #expect(list[1].formatted() == "undisclosed-recipients:;")
    }
}
