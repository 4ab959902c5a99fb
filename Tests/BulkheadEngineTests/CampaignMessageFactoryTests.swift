import BulkheadMail
import BulkheadSMTP
import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadEngine

enum CampaignFixtures {
    static let secret = Array("0123456789abcdef0123456789abcdef".utf8)

    static func identity(postal: String? = "Shop Ltd\n1 High Street\nLeeds LS1 1AA") throws -> CampaignIdentity {
        CampaignIdentity(
            campaignID: 42, name: "Spring offers",
            from: Mailbox(displayName: "Shop News", localPart: "news", domain: "shop.example"),
            returnPathDomain: "bounce.shop.example",
            unsubscribe: try UnsubscribeLinks(base: "https://lists.shop.example", mailtoDomain: "lists.shop.example"),
            listID: "news.shop.example", listDescription: "Shop news",
            postalAddress: postal)
    }

    static func templates() throws -> CampaignTemplates {
        try CampaignTemplates(
            subject: "{{first_name}}, your {{attributes.city}} offer",
            text: "Hello {{name}},\n\nSpring is here in {{attributes.city}}.\nUnsubscribe: {{unsubscribe_url}}\n",
            html: "<html><body><p>Hello {{name}},</p><p>Spring is here in {{attributes.city}}.</p></body></html>")
    }

    static func factory(
        signer: DKIMSigner? = nil, attachments: [BulkheadMail.Attachment] = [], postal: String? = "Shop Ltd\n1 High Street\nLeeds LS1 1AA"
    ) throws -> CampaignMessageFactory {
        try CampaignMessageFactory(identity: identity(postal: postal), templates: templates(), attachments: attachments, signer: signer)
    }

    static func token(for recipient: RecipientContext) throws -> String {
        try UnsubscribeTokenIssuer(secret: secret).issue(campaignID: 42, subscriberID: 7).text
    }

    static func make(_ factory: CampaignMessageFactory, _ recipient: RecipientContext, seed: UInt64 = 1) throws -> CampaignMessage {
        var generator = SeededGenerator(seed: seed)
        return try factory.makeMessage(
            for: recipient, verpToken: "4f1c0a9e", unsubscribeToken: token(for: recipient),
            date: MessageDate(secondsSince1970: 1_700_000_000, utcOffsetMinutes: 60),
            signingTime: Date(timeIntervalSince1970: 1_700_000_000), using: &generator)
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/campaign/" + name, withExtension: nil))
        return Array(try Data(contentsOf: url))
    }
}

@Suite struct CampaignMessageFactoryTests {
    @Test func exactOutput() throws {
        let factory = try CampaignFixtures.factory(attachments: [
            BulkheadMail.Attachment(filename: "offer.txt", mediaType: "text/plain", data: Array("10% off\r\n".utf8))
        ])
        let recipient = try RecipientContext(address: "zoe@example.org", name: "Zoë Martin", attributes: ["city": "Lyon"])
        let message = try CampaignFixtures.make(factory, recipient)
        #expect(
            try message.envelope == Envelope(mailFrom: "bounces+4f1c0a9e@bounce.shop.example", recipient: "zoe@example.org", requiresSMTPUTF8: false))
        let expected = try CampaignFixtures.fixture("expected-message.eml")
        #expect(message.bytes == expected, "\n\(String(decoding: message.bytes, as: UTF8.self))")
    }

    @Test func requiredHeadersAndOneRecipient() throws {
        let factory = try CampaignFixtures.factory()
        let recipient = try RecipientContext(address: "ann@example.org", name: "Ann Lee", attributes: ["city": "Paris"])
        let message = try CampaignFixtures.make(factory, recipient)
        let entity = try MIMEParser().parse(message.bytes)
        let token = try CampaignFixtures.token(for: recipient)
        #expect(entity.headers["List-Unsubscribe"] == "<https://lists.shop.example/u/\(token)>, <mailto:unsubscribe+\(token)@lists.shop.example>")
        #expect(entity.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        #expect(entity.headers["Precedence"] == "bulk")
        #expect(entity.headers["Auto-Submitted"] == "auto-generated")
        #expect(entity.headers["List-Id"] == "Shop news <news.shop.example>")
        #expect(entity.headers.contains("Message-ID"))
        #expect(entity.headers["Date"] == "Tue, 14 Nov 2023 23:13:20 +0100")
        #expect(entity.headers.values(for: "To").count == 1)
        #expect(
            try AddressList.parse(entity.headers["To"] ?? "") == [.mailbox(Mailbox(displayName: "Ann Lee", localPart: "ann", domain: "example.org"))])
        #expect(!entity.headers.contains("Cc") && !entity.headers.contains("Bcc"))
        #expect(entity.decodedHeader("Subject") == "Ann, your Paris offer")
        // The footer carries the postal address and the link, escaped in HTML.
        let text = try #require(entity.firstEntity(mediaType: "text/plain")).text()
        #expect(text.hasSuffix("-- \r\nShop Ltd\r\n1 High Street\r\nLeeds LS1 1AA\r\nUnsubscribe: https://lists.shop.example/u/\(token)\r\n"))
        let html = try #require(entity.firstEntity(mediaType: "text/html")).text()
        #expect(
            html.contains(
                "Shop Ltd<br>1 High Street<br>Leeds LS1 1AA<br><a href=\"https://lists.shop.example/u/\(token)\">Unsubscribe</a></p></body></html>"))
    }

    @Test func dkimSignatureCoversUnsubscribeHeaders() throws {
        let key = try DKIMKey.generate(.ed25519)
        let signer = try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s1"))
        let factory = try CampaignFixtures.factory(signer: signer)
        let message = try CampaignFixtures.make(factory, try RecipientContext(address: "ann@example.org", name: "Ann"))
        let entity = try MIMEParser().parse(message.bytes)
        let summary = try DKIMSignatureSummary(parsing: try #require(entity.headers["DKIM-Signature"]))
        let lowered = summary.signedHeaders.map { $0.lowercased() }
        #expect(lowered.filter { $0 == "list-unsubscribe" }.count == 2, "signed and over-signed: \(lowered)")
        #expect(lowered.filter { $0 == "list-unsubscribe-post" }.count == 2, "signed and over-signed: \(lowered)")
        for name in ["from", "to", "subject", "date", "message-id", "list-id"] { #expect(lowered.contains(name)) }
        let results = try DKIMVerifier.verify(
            message.bytes, key: DKIMKeyRecord(publicKey: key.publicKey), at: Date(timeIntervalSince1970: 1_700_000_100))
        #expect(results.count == 1 && results[0].passed, "\(results)")
    }

    @Test func injectionThroughNameIsNeutralised() throws {
        let factory = try CampaignFixtures.factory()
        let recipient = try RecipientContext(address: "ann@example.org", name: "Ann\r\nBcc: everyone@example.com\r\n", attributes: ["city": "Rome"])
        let message = try CampaignFixtures.make(factory, recipient)
        let entity = try MIMEParser().parse(message.bytes)
        #expect(!entity.headers.contains("Bcc"))
        #expect(
            try AddressList.parse(entity.headers["To"] ?? "").flatMap(\.mailboxes)
                == [Mailbox(displayName: "Ann Bcc: everyone@example.com", localPart: "ann", domain: "example.org")])
        #expect(entity.decodedHeader("Subject") == "Ann, your Rome offer")
    }

    @Test func injectionThroughAttributes() throws {
        let factory = try CampaignFixtures.factory()
        let evil = try RecipientContext(address: "ann@example.org", name: "Ann", attributes: ["city": "Rome\r\nBcc: everyone@example.com"])
        #expect(throws: CampaignMessageError.template(.lineBreakInSubject(offset: 14))) { try CampaignFixtures.make(factory, evil) }
        // In the bodies only, a line break is just text.
        let bodyOnly = try CampaignMessageFactory(
            identity: CampaignFixtures.identity(),
            templates: CampaignTemplates(subject: "Offer", text: "{{attributes.x}}", html: "<p>{{attributes.x}}</p>"))
        let recipient = try RecipientContext(address: "ann@example.org", attributes: ["x": "a\r\n\r\nBcc: everyone@example.com\r\n<script>"])
        let entity = try MIMEParser().parse(CampaignFixtures.make(bodyOnly, recipient).bytes)
        #expect(!entity.headers.contains("Bcc"))
        #expect(try #require(entity.firstEntity(mediaType: "text/html")).text().contains("&lt;script&gt;"))
        #expect(try #require(entity.firstEntity(mediaType: "text/plain")).text().hasPrefix("a\r\n\r\nBcc: everyone@example.com\r\n<script>"))
    }

    @Test func badPerMessageInput() throws {
        let factory = try CampaignFixtures.factory()
        let recipient = try RecipientContext(address: "ann@example.org")
        var generator = SeededGenerator(seed: 3)
        #expect(throws: CampaignMessageError.invalidUnsubscribeToken("a>b")) {
            try factory.makeMessage(
                for: recipient, verpToken: "abc", unsubscribeToken: "a>b", date: MessageDate(secondsSince1970: 0), signingTime: Date(),
                using: &generator)
        }
        #expect(throws: CampaignMessageError.invalidVERPToken("AB")) {
            try factory.makeMessage(
                for: recipient, verpToken: "AB", unsubscribeToken: "abc", date: MessageDate(secondsSince1970: 0), signingTime: Date(),
                using: &generator)
        }
        let controlLocal = RecipientContext(mailbox: Mailbox(localPart: "a\u{1}b", domain: "example.org"))
        #expect(throws: CampaignMessageError.invalidEnvelopeAddress("\"a\u{1}b\"@example.org", .controlCharacterInLocalPart(offset: 1))) {
            try factory.makeMessage(
                for: controlLocal, verpToken: "abc", unsubscribeToken: "abc", date: MessageDate(secondsSince1970: 0), signingTime: Date(),
                using: &generator)
        }
    }

    @Test func badCampaignSetup() throws {
        let templates = try CampaignFixtures.templates()
        var identity = try CampaignFixtures.identity()
        identity.listID = "not an id"
        #expect(throws: CampaignMessageError.invalidListID("not an id")) { try CampaignMessageFactory(identity: identity, templates: templates) }
        identity = try CampaignFixtures.identity()
        identity.returnPathDomain = "bad domain"
        #expect(throws: CampaignMessageError.self) { try CampaignMessageFactory(identity: identity, templates: templates) }
        identity = try CampaignFixtures.identity()
        #expect(throws: CampaignMessageError.self) {
            try CampaignMessageFactory(
                identity: identity, templates: templates, attachments: [BulkheadMail.Attachment(filename: "a", mediaType: "not a type", data: [])])
        }
    }

    @Test func signerMustCoverUnsubscribeHeaders() throws {
        var configuration = DKIMSignerConfiguration(domain: "shop.example", selector: "s1")
        configuration.signedHeaders = ["From", "To", "Subject", "List-Unsubscribe"]
        configuration.overSignedHeaders = ["From"]
        let signer = try DKIMSigner(key: DKIMKey.generate(.ed25519), configuration: configuration)
        #expect(throws: CampaignMessageError.unsignedUnsubscribeHeader("List-Unsubscribe-Post")) { try CampaignFixtures.factory(signer: signer) }
        var identity = try CampaignFixtures.identity()
        identity.listDescription = "Bücher\nBcc: x@evil.example"
        #expect(throws: CampaignMessageError.invalidListDescription("Bücher\nBcc: x@evil.example")) {
            try CampaignMessageFactory(identity: identity, templates: CampaignFixtures.templates())
        }
    }

    /// Issue 7, item 9: a non-ASCII list name no longer makes every campaign of the list unsendable.
    @Test func aNonASCIIListDescriptionIsEncoded() throws {
        var identity = try CampaignFixtures.identity()
        identity.listDescription = "Café news"
        let factory = try CampaignMessageFactory(identity: identity, templates: CampaignFixtures.templates())
        let message = try CampaignFixtures.make(factory, try RecipientContext(address: "ann@example.org", name: "Ann"))
        let parsed = try MIMEParser().parse(message.bytes)
        #expect(parsed.headers["List-Id"] == "=?UTF-8?Q?Caf=C3=A9_news?= <news.shop.example>")
        #expect(parsed.decodedHeader("List-Id") == "Café news <news.shop.example>")
    }

    @Test func nonASCIILocalPartNeedsSMTPUTF8() throws {
        let factory = try CampaignFixtures.factory(postal: nil)
        let recipient = try RecipientContext(address: "jürgen@bücher.example", name: "Jürgen", attributes: ["city": "Köln"])
        let message = try CampaignFixtures.make(factory, recipient)
        #expect(message.envelope.recipient == "jürgen@xn--bcher-kva.example")
        #expect(message.envelope.requiresSMTPUTF8)
        let asciiMessage = try CampaignFixtures.make(factory, try RecipientContext(address: "j@bücher.example", name: "Jürgen"))
        #expect(asciiMessage.envelope.recipient == "j@xn--bcher-kva.example")
        #expect(!asciiMessage.envelope.requiresSMTPUTF8)
        #expect(asciiMessage.bytes.allSatisfy { $0 < 0x80 }, "without SMTPUTF8 the message is 7-bit headers and encoded bodies")
    }

    @Test func recipientCheckCatchesEveryExposure() throws {
        let ann = Mailbox(localPart: "ann", domain: "example.org")
        func check(_ headers: String) throws(CampaignMessageError) {
            try SingleRecipientCheck.verify(Array((headers + "\r\nbody\r\n").utf8), recipient: ann)
        }
        try check("From: a@shop.example\r\nTo: Ann <ann@Example.ORG>\r\nSubject: x\r\n")
        try check("To:\r\n Ann\r\n <ann@example.org>\r\n")
        let broken = [
            "From: a@shop.example\r\nSubject: x\r\n",
            "To: ann@example.org\r\nTo: ann@example.org\r\n",
            "To: ann@example.org, bob@example.org\r\n",
            "To: ann@example.org,\r\n bob@example.org\r\n",
            "To: team: ann@example.org, bob@example.org;\r\n",
            "To: ann@example.org\r\nCc: bob@example.org\r\n",
            "To: ann@example.org\r\nbcc: bob@example.org\r\n",
            "To: ann@example.org\r\nResent-To: bob@example.org\r\n",
            "To: bob@example.org\r\n",
            "To: ANN@example.org\r\n",
            "To: <ann@example.org\r\n",
            "To ann@example.org\r\n",
        ]
        for headers in broken {
            #expect(throws: CampaignMessageError.self, "\(headers.debugDescription)") { try check(headers) }
        }
        #expect(throws: CampaignMessageError.self) { try SingleRecipientCheck.verify(Array("To: ann@example.org\r\n".utf8), recipient: ann) }
    }
}
