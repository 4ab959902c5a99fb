import Foundation
import PropertyBased
import Testing

@testable import BulkheadMail

@Suite struct DKIMSignVerifyTests {
    let ed25519: DKIMKey
    let record: DKIMKeyRecord

    init() throws {
        ed25519 = try DKIMKey(ed25519Base64: DKIMFixtures.rfc8463Seed)
        record = DKIMKeyRecord(publicKey: ed25519.publicKey)
    }

    func verify(_ message: [UInt8], _ record: DKIMKeyRecord? = nil, at date: Date = DKIMFixtures.now) throws -> [DKIMSignatureResult] {
        try DKIMVerifier.verify(message, key: record ?? self.record, at: date)
    }

    @Test func rfc8463KeyDerivesTheRFCPublicKey() {
        #expect(ed25519.publicKey.dnsKeyData == DKIMFixtures.rfc8463Public)
        #expect(ed25519.ed25519Base64 == DKIMFixtures.rfc8463Seed)
        #expect(ed25519.algorithm == .ed25519SHA256)
    }

    /// Exact bytes of the field (Ed25519 signatures are deterministic) for an empty body, whose
    /// relaxed body hash is SHA-256("") = 47DEQp...
    @Test func exactSignatureFieldForEmptyBody() throws {
        let message = Array("From: a@example.com\r\nSubject: x\r\n\r\n".utf8)
        let field = try DKIMFixtures.signer(ed25519).signatureField(for: message, at: DKIMFixtures.now)
        let text = String(decoding: field, as: UTF8.self)
        let expected = """
            DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=s1;\r
            \tt=1700000000; h=from:from:subject:subject:list-unsubscribe:\r
            \tlist-unsubscribe-post; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=\r
            \trERLRBj7Gt1fxhjBgIGwvT7H6XGbeStJ8T9ys//gYgd+cqPNHqNwk9ZTYHszwR683++FbwusUxBZL\r
            \t2c7tRUZAg==\r

            """
        #expect(text == expected)
        #expect(text.hasSuffix("\r\n"))
        for line in text.split(separator: "\r\n") { #expect(line.utf8.count <= 78) }
        // Deterministic: the same input gives the same bytes.
        #expect(try DKIMFixtures.signer(ed25519).signatureField(for: message, at: DKIMFixtures.now) == field)
        #expect(try verify(field + message).map(\.result) == [.pass])
    }

    @Test func simpleBodyHashOfEmptyBodyIsHashOfCRLF() throws {
        let message = Array("From: a@example.com\r\n\r\n".utf8)
        let signer = try DKIMFixtures.signer(ed25519) {
            $0.bodyCanonicalization = .simple
            $0.headerCanonicalization = .simple
        }
        let text = String(decoding: try signer.signatureField(for: message, at: DKIMFixtures.now), as: UTF8.self)
        #expect(text.contains("c=simple/simple;"))
        #expect(text.contains("bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=;"))
        #expect(try verify(Array(text.utf8) + message).map(\.result) == [.pass])
    }

    @Test(arguments: [DKIMCanonicalization.relaxed, .simple])
    func roundTripAndTampering(canonicalization: DKIMCanonicalization) throws {
        let signer = try DKIMFixtures.signer(ed25519) {
            $0.headerCanonicalization = canonicalization
            $0.bodyCanonicalization = canonicalization
        }
        let signed = try signer.sign(DKIMFixtures.message, at: DKIMFixtures.now)
        let results = try verify(signed)
        #expect(results.count == 1)
        #expect(results.first?.result == .pass)
        #expect(results.first?.domain == "example.com" && results.first?.selector == "s1")
        #expect(results.first?.weaknesses == [])

        let body = DKIMFixtures.replacing("stands.", with: "stands!", in: signed)
        #expect(try verify(body).first?.result == .fail(.bodyHashMismatch))
        let header = DKIMFixtures.replacing("Subject: Spring", with: "Subject: Autumn", in: signed)
        #expect(try verify(header).first?.result == .fail(.signatureMismatch))
        // Over-signed: a second Subject (or a List-Unsubscribe) cannot be slipped in.
        for extra in ["Subject: Free money\r\n", "List-Unsubscribe: <https://evil.example>\r\n"] {
            let added = DKIMFixtures.replacing("To: Ann", with: extra + "To: Ann", in: signed)
            #expect(try verify(added).first?.result == .fail(.signatureMismatch))
        }
        // An unsigned field may be added.
        let unsigned = DKIMFixtures.replacing("To: Ann", with: "X-Trace: 1\r\nTo: Ann", in: signed)
        #expect(try verify(unsigned).first?.result == .pass)
    }

    @Test func relaxedSurvivesWhiteSpaceChangesSimpleDoesNot() throws {
        let relaxed = try DKIMFixtures.signer(ed25519).sign(DKIMFixtures.message, at: DKIMFixtures.now)
        let rewrapped = DKIMFixtures.replacing("Hello  Ann,", with: "Hello Ann,   ", in: relaxed)
        #expect(try verify(rewrapped).first?.result == .pass)
        let simple = try DKIMFixtures.signer(ed25519) { $0.bodyCanonicalization = .simple }.sign(DKIMFixtures.message, at: DKIMFixtures.now)
        #expect(try verify(DKIMFixtures.replacing("Hello  Ann,", with: "Hello Ann,", in: simple)).first?.result == .fail(.bodyHashMismatch))
    }

    @Test func bareLFMessagesAreSignedAsCRLF() throws {
        let lf = DKIMFixtures.replacing("\r\n", with: "\n", in: DKIMFixtures.message)
        let signed = try DKIMFixtures.signer(ed25519).sign(lf, at: DKIMFixtures.now)
        #expect(!signed.contains(0x0D))
        #expect(try verify(signed).first?.result == .pass)
        #expect(try verify(DKIMFixtures.replacing("\n", with: "\r\n", in: signed)).first?.result == .pass)
    }

    @Test func expiry() throws {
        let signer = try DKIMFixtures.signer(ed25519) { $0.expiresAfterSeconds = 3600 }
        let signed = try signer.sign(DKIMFixtures.message, at: DKIMFixtures.now)
        #expect(String(decoding: signed, as: UTF8.self).contains("x=1700003600;"))
        #expect(try verify(signed, at: DKIMFixtures.now.addingTimeInterval(3000)).first?.result == .pass)
        #expect(try verify(signed, at: DKIMFixtures.now.addingTimeInterval(4000)).first?.result == .fail(.expired(at: 1_700_003_600)))
    }

    @Test func rsaRoundTripUsesPKCS1() throws {
        let key = try DKIMKey.generate(.rsa(bits: 1024))
        let signed = try DKIMFixtures.signer(key).sign(DKIMFixtures.message, at: DKIMFixtures.now)
        #expect(String(decoding: signed, as: UTF8.self).contains("a=rsa-sha256;"))
        let results = try verify(signed, DKIMKeyRecord(publicKey: key.publicKey))
        #expect(results.first?.result == .pass)
        #expect(results.first?.weaknesses == [.shortRSAKey(bits: 1024)])
        // Wrong key type for the algorithm.
        #expect(try verify(signed).first?.result == .fail(.keyMismatch("a=rsa-sha256 needs k=rsa, key record has k=ed25519")))
    }

    @Test func signerRefusesBadConfigurationAndMessages() throws {
        #expect(throws: DKIMSignerError.invalidDomain("exa mple.com")) {
            try DKIMSigner(key: ed25519, configuration: .init(domain: "exa mple.com", selector: "s1"))
        }
        #expect(throws: DKIMSignerError.invalidSelector("s1;x=1")) {
            try DKIMSigner(key: ed25519, configuration: .init(domain: "example.com", selector: "s1;x=1"))
        }
        #expect(throws: DKIMSignerError.fromNotInSignedHeaders) {
            try DKIMFixtures.signer(ed25519) {
                $0.signedHeaders = ["Subject"]
                $0.overSignedHeaders = []
            }
        }
        #expect(throws: DKIMSignerError.invalidExpiry) {
            try DKIMFixtures.signer(ed25519) {
                $0.includeTimestamp = false
                $0.expiresAfterSeconds = 10
            }
        }
        let signer = try DKIMFixtures.signer(ed25519)
        #expect(throws: DKIMSignerError.missingFrom) { try signer.sign(Array("To: a@b.c\r\n\r\nx".utf8)) }
        #expect(throws: DKIMSignerError.multipleFrom(count: 2)) {
            try signer.sign(Array("From: a@b.c\r\nFrom: d@e.f\r\n\r\nx".utf8))
        }
        #expect(throws: DKIMSignerError.malformedMessage(.headerLineWithoutColon(offset: 13))) {
            try signer.sign(Array("From: a@b.c\r\nbroken\r\n\r\nx".utf8))
        }
    }

    /// Hand-made signature fields: each is checked before any crypto, with a specific reason.
    @Test func malformedAndUnsupportedSignatures() throws {
        let base = "From: a@example.com\r\n\r\nbody\r\n"
        func result(_ tags: String) throws -> DKIMResult? {
            try verify(Array("DKIM-Signature: \(tags)\r\n\(base)".utf8)).first?.result
        }
        let good = "v=1; a=ed25519-sha256; d=example.com; s=s1; h=from; bh=AAAA; b=AAAA"
        #expect(try result(good) == .fail(.bodyHashMismatch))
        #expect(try result(good.replacingOccurrences(of: "a=ed25519-sha256", with: "a=rsa-sha1")) == .fail(.unsupportedAlgorithm("rsa-sha1")))
        #expect(try result(good.replacingOccurrences(of: "h=from", with: "h=subject:to")) == .fail(.fromNotSigned))
        #expect(try result(good.replacingOccurrences(of: " bh=AAAA;", with: "")) == .fail(.malformed(tag: "bh", why: "required tag missing")))
        #expect(try result(good + "; d=other.example") == .fail(.malformed(tag: "d", why: "tag appears more than once")))
        #expect(try result(good + ";; x=1") == .fail(.malformed(tag: "", why: "expected a tag name at offset 69")))
        #expect(try result(good.replacingOccurrences(of: "v=1", with: "v=2")) == .fail(.malformed(tag: "v", why: "version must be 1, is 2")))
        #expect(try result(good + "; c=fancy/simple") == .fail(.malformed(tag: "c", why: "unknown canonicalization fancy/simple")))
        #expect(try result(good + "; i=@evil.example") == .fail(.malformed(tag: "i", why: "domain evil.example is not d= or a subdomain of it")))
        #expect(try result(good + "; t=200; x=100") == .fail(.malformed(tag: "x", why: "x= is before t=")))
        #expect(try result(good + "; l=99999999999999999999") == .fail(.malformed(tag: "l", why: "not a decimal number of at most 18 digits")))
        #expect(try result(good.replacingOccurrences(of: "bh=AAAA", with: "bh=A*AA")) == .fail(.malformed(tag: "bh", why: "not valid base64")))
        #expect(try result(good + "; z=caf\u{E9}") == .fail(.malformed(tag: "z", why: "byte 0xc3 at offset 75 is not allowed in a tag value")))
        let revoked = try DKIMKeyRecord(text: "v=DKIM1; k=ed25519; p=")
        #expect(try verify(Array("DKIM-Signature: \(good)\r\n\(base)".utf8), revoked).first?.result == .fail(.keyRevoked))
        let none = try DKIMVerifier.verify(Array("DKIM-Signature: \(good)\r\n\(base)".utf8), at: DKIMFixtures.now) { _, _ in nil }
        #expect(none.first?.result == .fail(.keyUnavailable))
    }

    @Test func verifiesEachSignatureAndOneByIndex() throws {
        let other = try DKIMKey.generate(.ed25519)
        let first = try DKIMFixtures.signer(ed25519).sign(DKIMFixtures.message, at: DKIMFixtures.now)
        var config = DKIMSignerConfiguration(domain: "other.example", selector: "k2")
        config.includeTimestamp = false
        let twice = try DKIMSigner(key: other, configuration: config).sign(first, at: DKIMFixtures.now)
        let keys = ["example.com": record, "other.example": DKIMKeyRecord(publicKey: other.publicKey)]
        let results = try DKIMVerifier.verify(twice, at: DKIMFixtures.now) { domain, _ in keys[domain] }
        #expect(results.map(\.result) == [.pass, .pass])
        #expect(results.map(\.domain) == ["other.example", "example.com"])
        #expect(try DKIMVerifier.verifySignature(at: 1, in: twice, key: record, at: DKIMFixtures.now)?.result == .pass)
        #expect(try DKIMVerifier.verifySignature(at: 0, in: twice, key: record, at: DKIMFixtures.now)?.result == .fail(.signatureMismatch))
        #expect(try DKIMVerifier.verifySignature(at: 2, in: twice, key: record) == nil)
    }

    /// Hostile input: random bytes and random tag soup never crash; the verifier returns results
    /// or a typed error.
    @Test func hostileInputNeverCrashes() async {
        let soup: [UInt8] = Array("DKIM-Signature:=; \r\n\tabhlvxt0123@.:/+=AZ\u{7F}".utf8) + [0xFF, 0x00]
        let record = self.record
        await propertyCheck(count: 500, input: Gen<UInt8?>.element(of: soup).array(of: 0...200)) { raw in
            let message =
                Array("DKIM-Signature: v=1; a=ed25519-sha256; ".utf8) + raw.compactMap { $0 }
                + Array("\r\nFrom: a@example.com\r\n\r\nbody".utf8)
            do {
                let results = try DKIMVerifier.verify(message, key: record)
                #expect(results.allSatisfy { !$0.passed })
            } catch {
                #expect(error is DKIMMessageError)
            }
        }
    }
}
