import Crypto
import Testing

@testable import BulkheadEngine

@Suite struct CampaignMessageTokenTests {
    static let secret = Array("0123456789abcdef0123456789abcdef".utf8)
    static let otherSecret = Array("fedcba9876543210fedcba9876543210".utf8)

    @Test func roundTrip() throws {
        let issuer = try UnsubscribeTokenIssuer(secret: Self.secret)
        let token = try issuer.issue(campaignID: 42, subscriberID: 1_234_567)
        #expect(token.text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x32 && $0 <= 0x37) })
        let claim = try issuer.verify(token.text)
        #expect(claim == token)
        #expect(claim.scope == .campaign(42) && claim.subscriberID == 1_234_567)
        // Mail systems may uppercase or lowercase the token: both verify.
        #expect(try issuer.verify(token.text.uppercased()) == token)
        // Another secret gives another token for the same ids.
        #expect(try UnsubscribeTokenIssuer(secret: Self.otherSecret).issue(campaignID: 42, subscriberID: 1_234_567).text != token.text)
    }

    /// The MAC is HMAC-SHA256 over the label and the payload, computed in one go here: also for each
    /// of many tokens in a row from one issuer (each starts from a copy of the keyed, labelled state).
    @Test func theMACIsTheLabelledHMACOfThePayload() throws {
        let issuer = try UnsubscribeTokenIssuer(secret: Self.secret)
        for (campaign, subscriber) in [(42, 1_234_567), (1, 1), (42, 1_234_567), (7, 0), (1 << 40, 99)] as [(Int64, Int64)] {
            let bytes = try #require(LowercaseBase32.decode(try issuer.issue(campaignID: campaign, subscriberID: subscriber).text))
            let payload = Array(bytes.dropLast(16))
            let expected = HMAC<SHA256>.authenticationCode(
                for: Array("bulkhead unsubscribe v2\u{0}".utf8) + payload, using: SymmetricKey(data: Self.secret))
            #expect(Array(bytes.suffix(16)) == Array(expected.prefix(16)))
        }
    }

    /// `mailto:unsubscribe+TOKEN@…`: the local part must stay within RFC 5321's 64 octets for every id.
    @Test func tokensFitTheMailtoLocalPart() throws {
        let issuer = try UnsubscribeTokenIssuer(secret: Self.secret)
        let largest: Int64 = (1 << 49) - 1
        for (campaign, subscriber) in [(0, 0), (1, 1), (127, 128), (42, 1_000_000), (largest, largest)] as [(Int64, Int64)] {
            let token = try issuer.issue(campaignID: campaign, subscriberID: subscriber)
            #expect(token.text.utf8.count <= UnsubscribeTokenIssuer.maximumTokenLength)
            #expect(("unsubscribe+" + token.text).utf8.count <= 64)
            #expect(try issuer.verify(token.text) == token)
        }
        #expect(try issuer.issue(campaignID: largest, subscriberID: largest).text.utf8.count == UnsubscribeTokenIssuer.maximumTokenLength)
        for bad: Int64 in [-1, 1 << 49, Int64.max, Int64.min] {
            #expect(throws: UnsubscribeTokenError.identifierOutOfRange(bad)) { try issuer.issue(campaignID: bad, subscriberID: 1) }
            #expect(throws: UnsubscribeTokenError.identifierOutOfRange(bad)) { try issuer.issue(campaignID: 1, subscriberID: bad) }
        }
    }

    @Test func tamperedTokensFail() throws {
        let issuer = try UnsubscribeTokenIssuer(secret: Self.secret)
        let token = try issuer.issue(campaignID: 7, subscriberID: 300)
        var bytes = try #require(LowercaseBase32.decode(token.text))
        // Every single-bit flip anywhere (version, ids, MAC) is refused.
        for index in bytes.indices {
            for bit in 0..<8 {
                bytes[index] ^= 1 << bit
                #expect(throws: UnsubscribeTokenError.self) { try issuer.verify(LowercaseBase32.encode(bytes)) }
                bytes[index] ^= 1 << bit
            }
        }
        // Another subscriber's ids under this token's MAC.
        let other = try issuer.issue(campaignID: 7, subscriberID: 301)
        let forged = Array(try #require(LowercaseBase32.decode(other.text)).dropLast(16)) + Array(bytes.suffix(16))
        #expect(throws: UnsubscribeTokenError.invalidSignature) { try issuer.verify(LowercaseBase32.encode(forged)) }
        // A shortened MAC is refused too.
        #expect(throws: UnsubscribeTokenError.self) { try issuer.verify(LowercaseBase32.encode(Array(bytes.dropLast(5)))) }
    }

    @Test func wrongKeyFails() throws {
        let token = try UnsubscribeTokenIssuer(secret: Self.secret).issue(campaignID: 1, subscriberID: 2)
        #expect(throws: UnsubscribeTokenError.invalidSignature) {
            try UnsubscribeTokenIssuer(secret: Self.otherSecret).verify(token.text)
        }
    }

    @Test func badInput() throws {
        #expect(throws: UnsubscribeTokenError.secretTooShort(bytes: 31)) { try UnsubscribeTokenIssuer(secret: Array(repeating: 1, count: 31)) }
        let issuer = try UnsubscribeTokenIssuer(secret: Self.secret)
        #expect(throws: UnsubscribeTokenError.self) { try issuer.verify("") }
        #expect(throws: UnsubscribeTokenError.self) { try issuer.verify("abc") }
        #expect(throws: UnsubscribeTokenError.self) { try issuer.verify("not-base32!") }
        #expect(throws: UnsubscribeTokenError.self) { try issuer.verify(String(repeating: "a", count: 600)) }
    }

    @Test func base32RoundTrip() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(LowercaseBase32.decode(LowercaseBase32.encode(bytes)) == bytes)
        }
        #expect(LowercaseBase32.encode(Array("foobar".utf8)) == "mzxw6ytboi")  // RFC 4648 test vector, lowercased
        #expect(LowercaseBase32.decode("mzxw6ytbop") == nil, "non-zero trailing bits are not canonical")
    }

    @Test func verpRoundTripIncludingUppercase() throws {
        let address = try VERPAddress.make(token: "4f1c0a9e77", domain: "Bounce.Example.com")
        #expect(address == "bounces+4f1c0a9e77@bounce.example.com")
        #expect(VERPAddress.parse(address) == "4f1c0a9e77")
        #expect(VERPAddress.parse("BOUNCES+4F1C0A9E77@BOUNCE.EXAMPLE.COM") == "4f1c0a9e77")
        #expect(VERPAddress.parse(" <Bounces+4f1c0a9e77@bounce.example.com> ", domain: "bounce.example.com") == "4f1c0a9e77")
        #expect(VERPAddress.parse("bounces+4f1c0a9e77@other.example", domain: "bounce.example.com") == nil)
        #expect(VERPAddress.parse("news+4f1c0a9e77@bounce.example.com") == nil)
        #expect(VERPAddress.parse("bounces+@bounce.example.com") == nil)
        #expect(VERPAddress.parse("bounces+a.b@bounce.example.com") == nil)
        #expect(VERPAddress.parse("bounces@bounce.example.com") == nil)
        #expect(try VERPAddress.make(token: "x1", localPart: "rp", domain: "bücher.example") == "rp+x1@xn--bcher-kva.example")
        #expect(VERPAddress.parse("RP+X1@xn--bcher-kva.example", localPart: "rp", domain: "bücher.example") == "x1")
    }

    @Test func verpRefusesUnsafeInput() {
        #expect(throws: CampaignMessageError.invalidVERPToken("ABC")) { try VERPAddress.make(token: "ABC", domain: "b.example") }
        #expect(throws: CampaignMessageError.invalidVERPToken("")) { try VERPAddress.make(token: "", domain: "b.example") }
        #expect(throws: CampaignMessageError.self) { try VERPAddress.make(token: "a+b", domain: "b.example") }
        #expect(throws: CampaignMessageError.self) { try VERPAddress.make(token: "ab", localPart: "x+y", domain: "b.example") }
        #expect(throws: CampaignMessageError.self) { try VERPAddress.make(token: "ab", domain: "bad domain") }
        #expect(throws: CampaignMessageError.self) {
            try VERPAddress.make(token: String(repeating: "a", count: 48), localPart: String(repeating: "b", count: 16), domain: "b.example")
        }
    }

    @Test func unsubscribeLinks() throws {
        let links = try UnsubscribeLinks(base: "https://lists.example.com/mail/", mailtoDomain: "Lists.Example.com")
        #expect(links.httpsURL(token: "abc") == "https://lists.example.com/mail/u/abc")
        #expect(links.mailtoURL(token: "abc") == "mailto:unsubscribe+abc@lists.example.com")
        #expect(links.listUnsubscribeValue(token: "abc") == "<https://lists.example.com/mail/u/abc>, <mailto:unsubscribe+abc@lists.example.com>")
        #expect(throws: CampaignMessageError.self) { try UnsubscribeLinks(base: "http://lists.example.com", mailtoDomain: "l.example") }
        #expect(
            try UnsubscribeLinks(base: "http://127.0.0.1:8080", mailtoDomain: "l.example", insecureAllowHTTPUnsubscribe: true)
                .httpsURL(token: "t") == "http://127.0.0.1:8080/u/t")
        for bad in [
            "ftp://x.example", "lists.example.com", "https://x.example/?a=1", "https://x.example/#f", "https://u@x.example", "https://x.example/a,b",
        ] {
            #expect(throws: CampaignMessageError.self, "\(bad)") { try UnsubscribeLinks(base: bad, mailtoDomain: "l.example") }
        }
    }
}
