import BulkheadMail
import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadEngine

/// A member's copy of a list post: the list's fields, the member's own unsubscribe link, From
/// rewritten, the body untouched, signed by the list's domain (verified by dkimpy).
@Suite struct ListCopyWriterTests {
    static let date = Date(timeIntervalSince1970: 1_750_000_000)
    static let secret = Array(repeating: UInt8(7), count: 32)

    static let post: [UInt8] = Array(
        [
            "Received: from client.example by mx.lists.example; Mon, 2 Jun 2025 10:00:00 +0000",
            "DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=poster; h=from:to; bh=x; b=y",
            "From: Ann Lee <ann@example.org>",
            "To: all@lists.example",
            "Subject: Lunch on Friday",
            "List-Id: <spoofed.elsewhere.example>",
            "Precedence: bulk",
            "Message-ID: <post-1@example.org>",
            "",
            "Who is in?",
            "",
        ].joined(separator: "\r\n").utf8)

    static let list = HostedList(
        listID: ListID(rawValue: 3), name: "all", listIDLabel: "all", address: "all@lists.example", explicitPolicy: .members,
        emergency: false, owner: nil, posters: [], members: 2)

    static func writer(signer: DKIMSigner?, fromRewrite: Bool = true) throws -> ListCopyWriter {
        ListCopyWriter(
            keys: RelayCopyWriter(defaultSigner: signer, namedSigners: [:]), tokens: try UnsubscribeTokenIssuer(secret: secret),
            unsubscribeBase: "https://lists.example", fromRewrite: fromRewrite)
    }

    @Test func theCopyCarriesTheListsFieldsAndTheMembersOwnLink() throws {
        let copy = try Self.writer(signer: nil).copy(of: Self.post, list: Self.list, member: SubscriberID(rawValue: 42), at: Self.date)
        #expect(copy.signing == .notAligned(fromDomain: "lists.example"))
        let token = try UnsubscribeTokenIssuer(secret: Self.secret).issue(listID: 3, subscriberID: 42).text
        #expect(
            String(decoding: copy.bytes, as: UTF8.self)
                == [
                    "Received: from client.example by mx.lists.example; Mon, 2 Jun 2025 10:00:00 +0000",
                    "From: Ann Lee via all <all@lists.example>",
                    "To: all@lists.example",
                    "Subject: Lunch on Friday",
                    "Message-ID: <post-1@example.org>",
                    "Reply-To: Ann Lee <ann@example.org>",
                    "List-Id: <all.lists.example>",
                    "List-Post: <mailto:all@lists.example>",
                    "List-Unsubscribe: <https://lists.example/u/\(token)>,",
                    " <mailto:unsubscribe+\(token)@lists.example>",
                    "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                    "Precedence: list",
                    "X-Bulkhead-Loop: all@lists.example",
                    "",
                    "Who is in?",
                    "",
                ].joined(separator: "\r\n"))
        #expect(try UnsubscribeTokenIssuer(secret: Self.secret).verify(token).scope == .list(3))
    }

    /// Review of 2026-12-05: a post asking for read receipts to an outsider would have each member's
    /// mail program hand over the member's address. The copies lose those fields.
    @Test func theReadReceiptsFieldsAreRemoved() throws {
        var lines = String(decoding: Self.post, as: UTF8.self).components(separatedBy: "\r\n")
        lines.insert(
            contentsOf: [
                "Disposition-Notification-To: harvest@evil.example", "Return-Receipt-To: harvest@evil.example",
                "X-Confirm-Reading-To: harvest@evil.example",
            ], at: 3)
        let copy = try Self.writer(signer: nil).copy(
            of: Array(lines.joined(separator: "\r\n").utf8), list: Self.list, member: SubscriberID(rawValue: 42), at: Self.date)
        #expect(!String(decoding: copy.bytes, as: UTF8.self).contains("evil.example"))
    }

    @Test func anAnnounceListSaysNoToPostsAndFromCanStay() throws {
        var list = Self.list
        list.explicitPolicy = .announce
        let copy = try Self.writer(signer: nil, fromRewrite: false).copy(of: Self.post, list: list, member: SubscriberID(rawValue: 1), at: Self.date)
        let text = String(decoding: copy.bytes, as: UTF8.self)
        #expect(text.contains("\r\nFrom: Ann Lee <ann@example.org>\r\n") && !text.contains("Reply-To:"))
        #expect(text.contains("\r\nList-Post: NO\r\n"))
        #expect(!text.contains("d=example.org"), "the poster's signature is gone")
    }

    @Test func signedByTheListsDomainAndVerifiedByDkimpy() throws {
        let key = try DKIMSigner(key: DKIMKey.generate(.ed25519), configuration: DKIMSignerConfiguration(domain: "lists.example", selector: "l1"))
        let copies = try [1, 2].map { member in
            try Self.writer(signer: key).copy(of: Self.post, list: Self.list, member: SubscriberID(rawValue: Int64(member)), at: Self.date)
        }
        #expect(copies.allSatisfy { $0.signing == .signed(domain: "lists.example", selector: "l1") })
        #expect(copies[0].bytes != copies[1].bytes, "each member's own link")
        let results = try RelayCopyWriterTests.python(copies.map(\.bytes), signer: key)
        for result in results {
            #expect(result["dkim"] as? Bool == true, "dkimpy: \(result)")
            let signed = result["h"] as? [String] ?? []
            #expect(["from", "list-unsubscribe", "list-unsubscribe-post", "list-id"].allSatisfy(signed.contains), "h=: \(signed)")
        }
    }

    @Test func anUnreadablePostIsRefusedNotSent() {
        let bare = Array("From: a@example.org\nSubject: x\n\nbody\n".utf8)
        #expect(throws: ListCopyError.self) {
            try Self.writer(signer: nil).copy(of: bare, list: Self.list, member: SubscriberID(rawValue: 1), at: Self.date)
        }
    }
}
