import BulkheadTestSupport
import PropertyBased
import Testing

@testable import BulkheadMail

private let namePool = "aZq09 \t\"\\,.;:<>()[]@=?_!#'éüß日本😀\u{301}\r\n"
private let localPool = "abcXYZ09.!#$%&'*+-/=?^_`{|}~ \"\\(),:;<>@[]éж日"
private let labelPool = "abcxyz0189-äöüßжя日本"

private let mailboxes = zip(
    scalarText(namePool, length: 1...16).optional(),
    scalarText(localPool, length: 1...16),
    scalarText(labelPool, length: 1...10).array(of: 1...3)
).map { name, local, labels in
    Mailbox(displayName: name, localPart: local, domain: (labels + ["test"]).joined(separator: "."))
}

@Suite struct AddressPropertyTests {
    @Test func formattedMailboxesParseBackWithUTF8() async throws {
        await propertyCheck(count: 400, input: mailboxes) { (mailbox: Mailbox) async throws in
            let text = mailbox.formatted(utf8Allowed: true)
            #expect(try Mailbox(parsing: text) == mailbox, "\(text)")
            #expect(try AddressList.parse(text + ", " + text) == [.mailbox(mailbox), .mailbox(mailbox)], "\(text)")
        }
    }

    @Test func formattedMailboxesParseBackInASCIIHeaders() async throws {
        await propertyCheck(count: 400, input: mailboxes) { (mailbox: Mailbox) async throws in
            let text = mailbox.formatted(utf8Allowed: false)
            let expected = Mailbox(displayName: mailbox.displayName, localPart: mailbox.localPart, domain: try mailbox.asciiDomain)
            #expect(try Mailbox(parsing: text) == expected, "\(text)")
            // Only a non-ASCII local part may leave UTF-8 in the header.
            let nonASCIIAllowed = !AddressSyntax.isASCII(mailbox.localPart)
            #expect(nonASCIIAllowed || AddressSyntax.isASCII(text), "\(text)")
            #expect(expected.unicodeDomain == mailbox.domain)
        }
    }

    @Test func groupsParseBack() async throws {
        let groups = zip(scalarText(namePool, length: 1...12), mailboxes.array(of: 0...3)).map { name, members in
            [Address.group(name: name, members: members)]
        }
        await propertyCheck(count: 200, input: groups) { (list: [Address]) async throws in
            #expect(try AddressList.parse(AddressList.format(list)) == list)
        }
    }
}

@Suite struct EncodingPropertyTests {
    private static let unicodeText = scalarText("aZ09 \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~éüß日本語😀👍🏽\u{301}\u{200D}\r\n", length: 0...120)

    @Test func encodedWordsRoundTripAndStayShort() async {
        await propertyCheck(count: 400, input: Self.unicodeText) { text in
            for context in [EncodedWords.Context.text, .phrase] {
                let encoded = EncodedWords.encode(text, context: context)
                #expect(EncodedWords.decode(encoded) == text, "\(encoded)")
                for word in encoded.split(separator: " ") {
                    #expect(word.utf8.count <= EncodedWords.maximumWordLength, "\(word)")
                    #expect(word.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "\(word)")
                }
            }
        }
    }
}
