import BulkheadMail
import Foundation
import PropertyBased
import Testing

@testable import BulkheadEngine

/// Whatever the recipient data, a campaign message names exactly one recipient.
@Suite struct CampaignMessagePropertyTests {
    static let namePieces: [String] = [
        "Ann", " ", "  ", "Lee", ",", ";", ":", "\"", "\\", "<", ">", "@", "(", ")", "=?utf-8?q?x?=", "?=", "\r", "\n",
        "\r\n", "\t", "\u{0}", "\u{1}", "\u{7F}", "\u{85}", "\u{2028}", "Zoë", "日本", "😀", "Bcc: x@evil.example", "To: y@evil.example",
        "bob@example.com", "<bob@example.com>", "undisclosed-recipients:;", String(repeating: "long", count: 40),
    ]
    static let localParts: [String] = [
        "ann", "a.b", "o'neil", "user+tag", "x_y", "\"two words\"", "\"a@b\"", "\"a,b\"", "jürgen", "日本", "a-b.c", "A.B",
    ]
    static let domains: [String] = ["example.org", "Example.ORG", "bücher.example", "mail.example.co.uk", "xn--bcher-kva.example"]

    static let name = Gen<String?>.element(of: namePieces).map { $0 ?? "" }.array(of: 0...6).map { $0.joined() }
    static let attributeValue = Gen<String?>.element(of: namePieces).map { $0 ?? "" }.array(of: 0...4).map { $0.joined() }
    static let recipientInput = zip(
        Gen<String?>.element(of: localParts).map { $0 ?? "ann" },
        Gen<String?>.element(of: domains).map { $0 ?? "example.org" },
        name, attributeValue, attributeValue, Gen<Bool>.bool)

    @Test func neverMoreThanOneRecipient() async throws {
        let templates = try CampaignTemplates(
            subject: "Hi {{first_name}} {{attributes.safe}}",
            text: "{{name}} {{email}} {{attributes.free}}\n{{attributes.safe}}",
            html: "<p>{{name}} {{{attributes.free}}} {{email}}</p>")
        let factory = try CampaignMessageFactory(identity: CampaignFixtures.identity(), templates: templates)
        await propertyCheck(count: 400, input: Self.recipientInput) { local, domain, name, free, safe, hasName in
            let address = local + "@" + domain
            let recipient: RecipientContext
            do {
                recipient = try RecipientContext(
                    address: address, name: hasName ? name : nil,
                    attributes: [
                        "free": .string(free),
                        // The subject attribute without line breaks: those are covered by their own test.
                        "safe": .string(safe.filter { $0 != "\r" && $0 != "\n" && $0 != "\r\n" && $0 != "\u{0}" }),
                    ])
            } catch {
                Issue.record("valid addr-spec \(address.debugDescription) refused: \(error)")
                return
            }
            let message: CampaignMessage
            do {
                message = try CampaignFixtures.make(factory, recipient, seed: UInt64(free.utf8.count))
            } catch {
                Issue.record("no message for \(address.debugDescription), name \(name.debugDescription): \(error)")
                return
            }
            do {
                let entity = try MIMEParser().parse(message.bytes)
                for field in ["Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"] {
                    #expect(!entity.headers.contains(field), "\(field) in message for \(name.debugDescription)")
                }
                let toFields = entity.headers.values(for: "To")
                #expect(toFields.count == 1)
                let mailboxes = try AddressList.parse(toFields.first ?? "").flatMap(\.mailboxes)
                #expect(mailboxes.count == 1, "To: \(toFields) for name \(name.debugDescription)")
                #expect(mailboxes.first?.localPart == recipient.mailbox.localPart)
                #expect(try mailboxes.first?.asciiDomain == recipient.mailbox.asciiDomain)
                #expect(message.envelope.recipient == (try recipient.mailbox.envelopeAddress(smtputf8: true)))
                #expect(VERPAddress.parse(message.envelope.mailFrom) == "4f1c0a9e")
            } catch {
                Issue.record("message for \(name.debugDescription) does not read back: \(error)")
            }
        }
    }
}
