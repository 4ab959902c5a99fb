import Foundation
import Testing

@testable import BulkheadMail

@Suite struct DKIMKeyTests {
    @Test func ed25519PEMRoundTrip() throws {
        let key = try DKIMKey.generate(.ed25519)
        #expect(key.pkcs8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let again = try DKIMKey(importing: key.pkcs8PEM)
        #expect(again.publicKey.dnsKeyData == key.publicKey.dnsKeyData)
        #expect(again.type == .ed25519)
        let raw = try DKIMKey(importing: try #require(key.ed25519Base64))
        #expect(raw.publicKey.dnsKeyData == key.publicKey.dnsKeyData)
        let pub = try DKIMPublicKey(importing: key.publicKey.pem)
        #expect(pub.dnsKeyData == key.publicKey.dnsKeyData)
        #expect(try DKIMPublicKey(importing: key.publicKey.dnsKeyData).algorithm == .ed25519SHA256)
    }

    @Test func rsaPEMRoundTripBothForms() throws {
        let key = try DKIMKey.generate(.rsa(bits: 1024))
        #expect(key.type == .rsa(bits: 1024))
        for pem in [key.pkcs8PEM, try #require(key.rsaPKCS1PEM)] {
            #expect(try DKIMKey(importing: pem).publicKey.dnsKeyData == key.publicKey.dnsKeyData)
        }
        #expect(key.ed25519Base64 == nil)
        #expect(try DKIMPublicKey(importing: key.publicKey.pem).type == .rsa(bits: 1024))
    }

    @Test func refusesBadKeys() {
        #expect(throws: DKIMKeyError.unsupportedRSAKeySize(512)) { try DKIMKey.generate(.rsa(bits: 512)) }
        #expect(throws: DKIMKeyError.wrongEd25519KeyLength(3)) { try DKIMKey(importing: "AAAA") }
        #expect(throws: DKIMKeyError.invalidBase64("Ed25519 private key")) { try DKIMKey(importing: "not base64!") }
        #expect(throws: DKIMKeyError.self) { try DKIMKey(importing: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----") }
    }

    @Test func dnsRecordIsSplitInto255ByteStrings() throws {
        let key = try DKIMKey.generate(.rsa(bits: 2048))
        let line = key.publicKey.dnsRecord(selector: "s1", domain: "example.com")
        #expect(line.hasPrefix("s1._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=MIIBIjAN"))
        let strings = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(strings.count == 2)
        #expect(strings.first?.utf8.count == 255)
        #expect(strings.joined() == key.publicKey.txtRecordValue)
        let record = try DKIMKeyRecord(text: line)
        #expect(record.publicKey?.dnsKeyData == key.publicKey.dnsKeyData)
        #expect(record.keyType == "rsa")
    }

    @Test func keyRecordParsing() throws {
        let record = try DKIMKeyRecord(text: "v=DKIM1; k=ed25519; h=sha256; s=email; t=y:s; p=\(DKIMFixtures.rfc8463Public)")
        #expect(record.isTesting && record.flags == ["y", "s"])
        #expect(record.hashAlgorithms == ["sha256"] && record.serviceTypes == ["email"])
        #expect(record.publicKey?.txtRecordValue == "v=DKIM1; k=ed25519; p=\(DKIMFixtures.rfc8463Public)")
        #expect(try DKIMKeyRecord(text: "v=DKIM1; p=").publicKey == nil)
        #expect(throws: DKIMKeyError.malformedRecord(tag: "p", why: "required tag missing")) { try DKIMKeyRecord(text: "v=DKIM1; k=rsa") }
        #expect(throws: DKIMKeyError.unsupportedKeyType("dsa")) { try DKIMKeyRecord(text: "k=dsa; p=AAAA") }
        #expect(throws: DKIMKeyError.malformedRecord(tag: "v", why: "version must be DKIM1, is DKIM2")) { try DKIMKeyRecord(text: "v=DKIM2; p=") }
        #expect(throws: DKIMKeyError.wrongEd25519KeyLength(3)) { try DKIMKeyRecord(text: "k=ed25519; p=AAAA") }
    }

    @Test func testingAndServiceFlagsAreHonoured() throws {
        let key = try DKIMKey(ed25519Base64: DKIMFixtures.rfc8463Seed)
        let signed = try DKIMFixtures.signer(key).sign(DKIMFixtures.message, at: DKIMFixtures.now)
        let testing = try DKIMKeyRecord(text: "v=DKIM1; k=ed25519; t=y; p=\(DKIMFixtures.rfc8463Public)")
        let result = try DKIMVerifier.verify(signed, key: testing, at: DKIMFixtures.now).first
        #expect(result?.result == .pass && result?.weaknesses == [.testingKey])
        let web = try DKIMKeyRecord(text: "v=DKIM1; k=ed25519; s=tlsrpt; p=\(DKIMFixtures.rfc8463Public)")
        #expect(
            try DKIMVerifier.verify(signed, key: web, at: DKIMFixtures.now).first?.result
                == .fail(.keyMismatch("key record s= does not allow email")))
        let sha1 = try DKIMKeyRecord(text: "v=DKIM1; k=ed25519; h=sha1; p=\(DKIMFixtures.rfc8463Public)")
        #expect(
            try DKIMVerifier.verify(signed, key: sha1, at: DKIMFixtures.now).first?.result
                == .fail(.keyMismatch("key record h= does not allow sha256")))
    }
}
