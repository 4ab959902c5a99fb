import BulkheadMail
import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadEngine

/// Relay copies: To rewritten, the sender's signature dropped, re-signed with the aligned key
/// (verified by dkimpy), or sent unsigned when no key aligns.
@Suite struct RelayCopyWriterTests {
    static let date = Date(timeIntervalSince1970: 1_750_000_000)

    static func held(from: String = "Shop <news@shop.example>") -> [UInt8] {
        let lines: [String] = [
            "Received: from client.example by relay.example; Mon, 2 Jun 2025 10:00:00 +0000",
            "From: \(from)",
            "To: Ann Lee <ann@example.org>,",
            " \"Doe, Bob\" <bob@example.org>",
            "Cc: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>",
            "Subject: Spring offer",
            "Date: Mon, 2 Jun 2025 10:00:00 +0000",
            "Message-ID: <held-1@shop.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Hello everyone,",
            "",
            "spring is here.  ",
            "",
        ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    static func signer(_ domain: String, _ selector: String = "s1") throws -> DKIMSigner {
        try DKIMSigner(key: DKIMKey.generate(.ed25519), configuration: DKIMSignerConfiguration(domain: domain, selector: selector))
    }

    /// dkimpy's verdict and what Python's email package reads, one object per message, all checked
    /// against `signer`'s public key.
    static func python(_ messages: [[UInt8]], signer: DKIMSigner) throws -> [[String: Any]] {
        let script = Bundle.module.url(forResource: "Fixtures/campaign/check_campaign_messages", withExtension: "py")
        let output = try PythonPeer.runJSON(
            script,
            request: ["record": signer.key.publicKey.txtRecordValue, "messages": messages.map { Data($0).base64EncodedString() }],
            needs: "dkimpy (import dkim) and pynacl")
        let results = try #require(output as? [[String: Any]])
        try #require(results.count == messages.count)
        return results
    }

    static func fieldCount(_ name: String, in bytes: [UInt8]) throws -> Int {
        try MessageCopy(bytes).values(named: name).count
    }

    /// Review of 2026-12-05: a split or Bcc copy kept Mail-Followup-To (mutt writes one naming every
    /// recipient), the read receipts' fields and a Reply-To naming everyone.
    @Test func splitAndBccCopiesLoseEveryOtherFieldNamingRecipients() throws {
        let everyone = "Ann Lee <ann@example.org>, bob@example.org, zoe@example.org"
        let extra = [
            "Mail-Followup-To: \(everyone)", "Mail-Reply-To: \(everyone)", "Reply-To: \(everyone)", "Disposition-Notification-To: \(everyone)",
            "Return-Receipt-To: bob@example.org", "X-Confirm-Reading-To: bob@example.org", "Apparently-To: zoe@example.org",
            "Delivered-To: zoe@example.org", "X-Original-To: zoe@example.org", "Resent-Reply-To: \(everyone)",
            // A second review: trace fields other MTAs write (Exim's Envelope-To, …) and Mail-Copies-To.
            "Envelope-To: zoe@example.org", "X-Envelope-To: <bob@example.org>", "X-Apparently-To: zoe@example.org",
            "X-Delivered-To: bob@example.org", "X-Forwarded-To: zoe@example.org", "Mail-Copies-To: bob@example.org",
        ]
        var lines = String(decoding: Self.held(), as: UTF8.self).components(separatedBy: "\r\n")
        lines.insert(contentsOf: extra, at: 2)
        let original = Array(lines.joined(separator: "\r\n").utf8)
        let writer = RelayCopyWriter(defaultSigner: nil, namedSigners: [:])
        for form in [RelayCopyForm.split, .bcc] {
            let copy = String(decoding: try writer.copy(of: original, form: form, recipient: "ann@example.org", at: Self.date).bytes, as: UTF8.self)
            let header = copy.components(separatedBy: "\r\n\r\n")[0]
            #expect(!header.contains("bob@") && !header.contains("zoe@"), "\(form): \(header)")
            if form == .split { #expect(header.contains("To: Ann Lee <ann@example.org>")) }
        }
        // A Reply-To naming one mailbox (the sender's reply address) stays.
        lines.removeAll { $0.hasPrefix("Reply-To:") }
        lines.insert("Reply-To: Help <help@shop.example>", at: 2)
        let oneReply = try writer.copy(of: Array(lines.joined(separator: "\r\n").utf8), form: .split, recipient: "bob@example.org", at: Self.date)
        #expect(try MessageCopy(oneReply.bytes).values(named: "Reply-To") == ["Help <help@shop.example>"])
    }

    /// Second review of 2026-12-05: two Reply-To fields of one mailbox each were all kept, and so was
    /// a single Reply-To naming one of the recipients; either showed every reader somebody else.
    @Test func aReplyToNamingSeveralFieldsOrARecipientGoes() throws {
        let writer = RelayCopyWriter(defaultSigner: nil, namedSigners: [:])
        let cases: [[String]] = [
            ["Reply-To: bob@example.org", "Reply-To: Zoe <zoe@example.org>"],
            ["Reply-To: help@shop.example", "Reply-To: help@shop.example"],
            ["Reply-To: Zoe <ZOE@Example.org>"],
        ]
        for fields in cases {
            var lines = String(decoding: Self.held(), as: UTF8.self).components(separatedBy: "\r\n")
            lines.insert(contentsOf: fields, at: 2)
            let original = Array(lines.joined(separator: "\r\n").utf8)
            for form in [RelayCopyForm.split, .bcc] {
                let copy = try writer.copy(of: original, form: form, recipient: "ann@example.org", at: Self.date)
                #expect(try MessageCopy(copy.bytes).values(named: "Reply-To").isEmpty, "\(form) \(fields)")
            }
        }
        #expect(RelayCopyWriter.keepsReplyTo([], recipients: []))
        #expect(RelayCopyWriter.keepsReplyTo(["Help <help@shop.example>"], recipients: ["ann@example.org"]))
        #expect(!RelayCopyWriter.keepsReplyTo(["Help <help@shop.example>"], recipients: ["help@shop.example"]))
        #expect(!RelayCopyWriter.keepsReplyTo(["not an address"], recipients: []))
    }

    @Test func splitAndBccCopiesVerifyWithDkimpy() throws {
        let key = try Self.signer("shop.example")
        let sender = try Self.signer("shop.example", "sender")
        // The sender's own signature covers To: after the rewrite it would fail, so it must go.
        let original = try sender.sign(Self.held(), at: Self.date)
        let writer = RelayCopyWriter(defaultSigner: key, namedSigners: [:])
        #expect(try writer.alignment(of: original) == .signed(domain: "shop.example", selector: "s1"))

        let ann = try writer.copy(of: original, form: .split, recipient: "ann@example.org", at: Self.date)
        let zoe = try writer.copy(of: original, form: .split, recipient: "zoe@example.org", at: Self.date)
        let dan = try writer.copy(of: original, form: .split, recipient: "dan@example.org", at: Self.date)
        let bcc = try writer.copy(of: original, form: .bcc, recipient: "bob@example.org", at: Self.date)
        let copies = [ann, zoe, dan, bcc]
        for copy in copies {
            #expect(copy.signing == .signed(domain: "shop.example", selector: "s1"))
            #expect(try Self.fieldCount("DKIM-Signature", in: copy.bytes) == 1)
            let text = String(decoding: copy.bytes, as: UTF8.self)
            #expect(text.hasSuffix("\r\n\r\nHello everyone,\r\n\r\nspring is here.  \r\n"))
            #expect(text.contains("Message-ID: <held-1@shop.example>\r\n"))
            #expect(!text.contains("s=sender"))
        }
        let results = try Self.python(copies.map(\.bytes), signer: key)
        for result in results {
            #expect(result["dkim"] as? Bool == true, "dkimpy: \(result)")
            #expect((result["h"] as? [String] ?? []).contains("to"), "h=: \(result)")
            #expect(result["to_fields"] as? Int == 1 && result["cc"] as? Int == 0 && result["bcc"] as? Int == 0)
            #expect((result["defects"] as? [String])?.isEmpty == true, "defects: \(result)")
        }
        #expect(results[0]["to"] as? [[String]] == [["Ann Lee", "ann@example.org"]])
        #expect(results[1]["to"] as? [[String]] == [["Zoë", "zoe@example.org"]])
        #expect(results[2]["to"] as? [[String]] == [["", "dan@example.org"]])
        #expect(results[3]["to"] as? [[String]] == [])
        #expect(results[3]["subject"] as? String == "Spring offer")
        // The sender's signature verifies on the original but not once To is rewritten: that is why
        // copies drop it.
        var kept = try MessageCopy(original)
        try kept.replaceRecipients(with: .undisclosed)
        let senderView = try Self.python([original, kept.bytes], signer: sender)
        #expect(senderView[0]["dkim"] as? Bool == true)
        #expect(senderView[1]["dkim"] as? Bool == false)
    }

    @Test func originalFormIsUntouched() throws {
        let sender = try Self.signer("shop.example", "sender")
        let original = try sender.sign(Self.held(), at: Self.date)
        let writer = RelayCopyWriter(defaultSigner: try Self.signer("shop.example"), namedSigners: [:])
        let copy = try writer.copy(of: original, form: .original, recipient: "ann@example.org", at: Self.date)
        #expect(copy == RelayCopy(bytes: original, signing: .unchanged))
        #expect(copy.signing.isDMARCAligned)
    }

    @Test func notAlignedCopiesGoUnsigned() throws {
        // hop.example is not a parent of shop.example: the match is by whole labels.
        let writer = RelayCopyWriter(
            defaultSigner: try Self.signer("hop.example"), namedSigners: ["other": try Self.signer("other.example")])
        let sender = try Self.signer("shop.example", "sender")
        let original = try sender.sign(Self.held(), at: Self.date)
        #expect(try writer.alignment(of: original) == .notAligned(fromDomain: "shop.example"))
        let copy = try writer.copy(of: original, form: .split, recipient: "bob@example.org", at: Self.date)
        #expect(copy.signing == .notAligned(fromDomain: "shop.example"))
        #expect(!copy.signing.isDMARCAligned)
        #expect(copy.signing.description.contains("DMARC-aligned delivery is not possible"))
        #expect(try Self.fieldCount("DKIM-Signature", in: copy.bytes) == 0)
        #expect(try MessageCopy(copy.bytes).values(named: "To") == [#""Doe, Bob" <bob@example.org>"#])

        // No keys at all, an IDN From domain: reported in ASCII form.
        let none = RelayCopyWriter(defaultSigner: nil, namedSigners: [:])
        #expect(try none.alignment(of: Self.held(from: "info@Bücher.example")) == .notAligned(fromDomain: "xn--bcher-kva.example"))
    }

    @Test func noSingleFromMailboxGoesUnsigned() throws {
        let writer = RelayCopyWriter(defaultSigner: try Self.signer("shop.example"), namedSigners: [:])
        let withoutFrom = Array(
            String(decoding: Self.held(), as: UTF8.self).replacingOccurrences(of: "From: Shop <news@shop.example>\r\n", with: "").utf8)
        let twoAuthors = Self.held(from: "news@shop.example, boss@shop.example")
        let notAnAddress = Self.held(from: "Shop")
        for message in [withoutFrom, twoAuthors, notAnAddress] {
            #expect(try writer.alignment(of: message) == .noFromDomain)
            let copy = try writer.copy(of: message, form: .bcc, recipient: "ann@example.org", at: Self.date)
            #expect(copy.signing == .noFromDomain)
            #expect(try Self.fieldCount("DKIM-Signature", in: copy.bytes) == 0)
        }
    }

    @Test func mostSpecificAlignedKeyWinsAndDefaultBreaksTies() throws {
        let parent = try Self.signer("shop.example", "default")
        let news = try Self.signer("news.shop.example", "n1")
        let sameAsDefault = try Self.signer("SHOP.example", "alt")
        let writer = RelayCopyWriter(defaultSigner: parent, namedSigners: ["b-news": news, "a-alt": sameAsDefault])

        let fromNews = Self.held(from: "News <letters@news.shop.example>")
        let fromDeep = Self.held(from: "x@eu.mail.shop.example")
        let fromParent = Self.held(from: "x@Shop.Example")
        #expect(try writer.alignment(of: fromNews) == .signed(domain: "news.shop.example", selector: "n1"))
        #expect(try writer.alignment(of: fromDeep) == .signed(domain: "shop.example", selector: "default"))
        #expect(try writer.alignment(of: fromParent) == .signed(domain: "shop.example", selector: "default"))

        // Without a default key, keys of one domain are taken by name.
        let named = RelayCopyWriter(defaultSigner: nil, namedSigners: ["b": parent, "a": sameAsDefault])
        #expect(try named.alignment(of: fromParent) == .signed(domain: "SHOP.example", selector: "alt"))

        let newsCopy = try writer.copy(of: fromNews, form: .split, recipient: "ann@example.org", at: Self.date)
        let deepCopy = try writer.copy(of: fromDeep, form: .split, recipient: "ann@example.org", at: Self.date)
        #expect(try Self.python([newsCopy.bytes], signer: news)[0]["dkim"] as? Bool == true)
        #expect(try Self.python([deepCopy.bytes], signer: parent)[0]["dkim"] as? Bool == true)
    }

    @Test func keysAreLoadedFromTheConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let defaultKey = try DKIMKey.generate(.ed25519)
        let newsKey = try DKIMKey.generate(.ed25519)
        try defaultKey.pkcs8PEM.write(to: directory.appendingPathComponent("default.pem"), atomically: true, encoding: .utf8)
        try newsKey.pkcs8PEM.write(to: directory.appendingPathComponent("news.pem"), atomically: true, encoding: .utf8)
        var configuration = BulkheadConfiguration()
        configuration.dataDirectory = directory.path
        configuration.dkim = .init(domain: "shop.example", selector: "s1", privateKeyFile: "default.pem")
        configuration.dkimKeys = ["news": .init(domain: "news.shop.example", selector: "n1", privateKeyFile: "news.pem")]
        // The keys as the environment loads them for `environment.relayCopyWriter`.
        let writer = RelayCopyWriter(
            defaultSigner: try BulkheadEnvironment.loadSigner(configuration), namedSigners: try BulkheadEnvironment.loadNamedSigners(configuration))

        let copy = try writer.copy(of: Self.held(from: "a@news.shop.example"), form: .bcc, recipient: "ann@example.org", at: Self.date)
        #expect(copy.signing == .signed(domain: "news.shop.example", selector: "n1"))
        let signer = try DKIMSigner(key: newsKey, configuration: DKIMSignerConfiguration(domain: "news.shop.example", selector: "n1"))
        #expect(try Self.python([copy.bytes], signer: signer)[0]["dkim"] as? Bool == true)
    }

    @Test func errorsAreTyped() throws {
        let writer = RelayCopyWriter(defaultSigner: try Self.signer("shop.example"), namedSigners: [:])
        #expect(throws: RelayCopyError.message(.bareLineFeed(offset: 20))) {
            try writer.alignment(of: Array("From: a@shop.example\nTo: b@example.org\n\nhi\n".utf8))
        }
        #expect(throws: RelayCopyError.self) {
            try writer.copy(of: Self.held(), form: .split, recipient: "not an address", at: Self.date)
        }
        // Not even an original copy of a header that cannot be read: its blind fields cannot be found.
        let lf = Array("From: a@shop.example\nTo: b@example.org\nBcc: c@example.net\n\nhi\n".utf8)
        #expect(throws: RelayCopyError.message(.bareLineFeed(offset: 20))) {
            try writer.copy(of: lf, form: .original, recipient: "b@example.org", at: Self.date)
        }
        // A readable original passes through byte for byte; one that still has a blind field loses it.
        let held = Self.held()
        #expect(try writer.copy(of: held, form: .original, recipient: "b@example.org", at: Self.date).bytes == held)
        let blind = Array("From: a@shop.example\r\nTo: b@example.org\r\nResent-Bcc: c@example.net\r\n\r\nhi\r\n".utf8)
        #expect(
            try writer.copy(of: blind, form: .original, recipient: "b@example.org", at: Self.date).bytes
                == Array("From: a@shop.example\r\nTo: b@example.org\r\n\r\nhi\r\n".utf8))
    }
}
