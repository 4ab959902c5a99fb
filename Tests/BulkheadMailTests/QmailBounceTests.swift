import BulkheadMail
import Foundation
import Testing

/// qmail's plain-text bounces (QSBMF, Fixtures/qmail/README.md): recognised, each recipient's
/// paragraph read, and classified by the same rules as a DSN; anything else is not one.
@Suite struct QmailBounceTests {
    static let corpus: [(file: String, recipients: [(String, String, BounceClass)])] = [
        ("qmail-remote-unknown.eml", [("bob@rcpt.example.test", "5.1.1", .hard)]),
        ("qmail-local-no-mailbox.eml", [("carol@qmail.example.test", "5.1.1", .hard)]),
        ("qmail-remote-spam.eml", [("dave@rcpt.example.test", "5.7.1", .rejectedMessage)]),
        ("qmail-queue-expired.eml", [("erin@unreachable.example.test", "4.4.1", .expired)]),
        ("qmail-mailbox-full.eml", [("frank@rcpt.example.test", "5.2.2", .soft)]),
        ("qmail-bare-reply-code.eml", [("gina@rcpt.example.test", "5.0.0", .hard)]),
        ("qmail-two-recipients.eml", [("hank@rcpt.example.test", "5.3.4", .rejectedMessage), ("ivy@gone.example.test", "5.1.2", .hard)]),
    ]

    @Test func theTableCoversEveryFixture() throws {
        let folder = try #require(Bundle.module.url(forResource: "qmail", withExtension: nil, subdirectory: "Fixtures"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }
        #expect(Set(files) == Set(Self.corpus.map(\.file)))
    }

    @Test(arguments: DSNFixture.LineEnding.allCases)
    func everyFixtureIsReadAsTheREADMESays(ending: DSNFixture.LineEnding) throws {
        for (file, recipients) in Self.corpus {
            let message = try DSNFixture.message("qmail", file, ending)
            guard case .qmailBounce(let bounce) = InboundReport.classify(message) else {
                Issue.record("\(file) is not classified as a qmail bounce")
                continue
            }
            #expect(bounce.recipients.map(\.address) == recipients.map(\.0), "\(file): the returned message's paragraph is not a recipient")
            #expect(bounce.recipients.map(\.status.description) == recipients.map(\.1), "\(file)")
            #expect(bounce.recipients.map(\.bounceClass) == recipients.map(\.2), "\(file)")
            #expect(!bounce.recipients.contains { $0.explanation.contains("\r") }, "\(file): line ends are not part of the text")
        }
    }

    @Test func theExplanationIsTheParagraphAfterTheAddressLine() throws {
        let bounce = try #require(QmailBounce.parse(try DSNFixture.message("qmail", "qmail-queue-expired.eml", .crlf)))
        #expect(
            bounce.recipients[0].explanation
                == "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\nI'm not going to try again; this message has been in the queue too long."
        )
    }

    static func message(_ text: String, charset: String? = nil) throws -> MIMEEntity {
        let header = charset.map { "Content-Type: text/plain; charset=\($0)\n" } ?? ""
        return try MIMEParser().parse(Array((header + text).utf8))
    }

    @Test func otherMessagesAreNotQmailBounces() throws {
        let reply = "From: a@example.test\nSubject: Re: offer\n\nHi. This is the person you wrote to.\n\nPlease stop.\n"
        #expect(QmailBounce.parse(try Self.message(reply)) == nil, "no <address>: paragraph")
        let vacation =
            "From: bob@example.test\nSubject: Away\n\nHi. This is the assistant of Bob.\n\n<bob.new@example.test>:\nplease write here instead.\n"
        #expect(QmailBounce.parse(try Self.message(vacation)) == nil, "the introduction must name the qmail-send program")
        let indented = "From: a@example.test\n\n Hi. This is the qmail-send program.\n\n<a@b.example>:\nNo.\n"
        #expect(QmailBounce.parse(try Self.message(indented)) == nil, "the body must begin with the words")
        let html = "From: a@example.test\nContent-Type: text/html\n\nHi. This is the qmail-send program.\n\n<a@b.example>:\nNo.\n"
        #expect(QmailBounce.parse(try Self.message(html)) == nil, "only text/plain")
        let multipart = """
            From: a@example.test
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain

            Hi. This is the qmail-send program.

            <a@b.example>:
            No.
            --b--

            """
        #expect(QmailBounce.parse(try Self.message(multipart)) == nil, "only a single-part message")
        let afterBreak =
            "From: a@example.test\n\nHi. This is the qmail-send program.\n\n--- Below this line is a copy of the message.\n\n<a@b.example>:\nNo.\n"
        #expect(QmailBounce.parse(try Self.message(afterBreak)) == nil, "paragraphs after the break are the original message")
        let badLines = "From: a@example.test\n\nHi. This is the qmail-send program.\n\n<>:\nNo.\n\n<a<b@c>:\nNo.\n\n<x@y.example>\nNo colon.\n"
        #expect(QmailBounce.parse(try Self.message(badLines)) == nil, "an empty or bracketed address, or no colon, is no recipient line")
    }

    /// qmail prints what a program said, possibly nothing, and addresses unquoted; a line of spaces is
    /// part of a paragraph (only an empty line ends one).
    @Test func emptyExplanationsSpacedAddressesAndSpaceLinesAreRead() throws {
        let text =
            "From: a@example.test\n\nHi. This is the qmail-send program.\n\n<john doe@x.example>:\n\n<e@f.example>:\nfirst half\n   \n(#5.2.2) second half\n"
        let bounce = try #require(QmailBounce.parse(try Self.message(text)))
        #expect(bounce.recipients.map(\.address) == ["john doe@x.example", "e@f.example"])
        #expect(bounce.recipients[0].explanation == "" && bounce.recipients[0].status.description == "5.0.0")
        #expect(bounce.recipients[1].status.description == "5.2.2", "the line of spaces does not end the paragraph")
    }

    static func recipient(_ explanation: String) throws -> QmailBounce.Recipient {
        let text = "From: a@example.test\n\nHi. This is the qmail-send program at mx.example.\n\n<x@y.example>:\n\(explanation)\n"
        return try #require(QmailBounce.parse(try Self.message(text))?.recipients.first)
    }

    /// The status comes from a failure code, else the reply code, else permanence.
    @Test func theStatusComesFromTheCodeTheReplyOrThePermanence() throws {
        func status(_ explanation: String) throws -> (String, BounceClass) {
            let recipient = try Self.recipient(explanation)
            return (recipient.status.description, recipient.bounceClass)
        }
        #expect(try status("This address no longer accepts mail.") == ("5.0.0", .hard))
        #expect(try status("Remote host said: 450 try later") == ("4.0.0", .expired))
        #expect(try status("Remote host said: 421-4.7.0 busy") == ("4.7.0", .expired))
        #expect(try status("Remote host said: 5500 odd") == ("5.0.0", .hard))
        #expect(try status("does not like recipient.\nRemote host said: 552 5.2.2 full") == ("5.2.2", .soft))
        #expect(try status("does not like recipient.\nRemote host said: 552 over quota") == ("5.2.2", .soft), "a bare 552 at RCPT: full mailbox")
        #expect(
            try status("192.0.2.25 failed after I sent the message.\nRemote host said: 552 Message size exceeds maximum permitted")
                == ("5.3.4", .rejectedMessage), "a bare 552 after the data: the message is too big")
        #expect(
            try status("Connected to 192.0.2.25 but sender was rejected.\nRemote host said: 552 5.2.2 too big for SIZE")
                == ("5.2.2", .rejectedMessage), "a refusal of our sender never counts against the address")
        #expect(
            try status("does not like recipient.\nRemote host said: 550 Mailbox unavailable, see 2.1.5 in our FAQ") == ("5.0.0", .hard),
            "a code of class 2 is no failure status")
    }

    /// A refusal that is not about the address never counts as hard: of the content after the data,
    /// or of our own greeting, name or sender; an addressing status after the data still does.
    @Test func theStageDecidesWhetherTheAddressIsToBlame() throws {
        #expect(
            try Self.recipient("192.0.2.25 failed after I sent the message.\nRemote host said: 554 Transaction failed").bounceClass
                == .rejectedMessage)
        #expect(try Self.recipient("192.0.2.25 failed after I sent the message.\nRemote host said: 550 5.1.1 no such user").bounceClass == .hard)
        #expect(
            try Self.recipient("Connected to 192.0.2.25 but sender was rejected.\nRemote host said: 553 5.1.8 Sender address rejected").bounceClass
                == .rejectedMessage)
        #expect(
            try Self.recipient("Connected to 192.0.2.25 but my name was rejected.\nRemote host said: 501 5.5.2 bad HELO").bounceClass
                == .rejectedMessage)
        #expect(try Self.recipient("Connected to 192.0.2.25 but greeting failed.\nRemote host said: 554 no").bounceClass == .rejectedMessage)
        #expect(try Self.recipient("Connected to 192.0.2.25 but sender was rejected.\nRemote host said: 451 later").bounceClass == .expired)
    }

    /// Hostile input: reading is bounded in bytes, recipients and explanation length; NUL bytes parse.
    @Test func hostileBodiesAreReadWithinBounds() throws {
        let nul = "From: a@example.test\n\nHi. This is the qmail-send program.\n\n<x@y.example>:\nbad\u{0}byte (#5.1.1)\n"
        #expect(try #require(QmailBounce.parse(try Self.message(nul))).recipients[0].status.description == "5.1.1")
        let long = "From: a@example.test\n\nHi. This is the qmail-send program.\n\n<x@y.example>:\n" + String(repeating: "wörd ", count: 5_000) + "\n"
        let longBounce = try #require(QmailBounce.parse(try Self.message(long, charset: "utf-8")))
        #expect(longBounce.recipients[0].explanation.utf8.count <= QmailBounce.maximumExplanationBytes)
        #expect(longBounce.recipients[0].explanation.utf8.count > QmailBounce.maximumExplanationBytes - 4, "cut at a scalar, not shorter")
        #expect(!longBounce.recipients[0].explanation.contains("\u{FFFD}"), "never inside a character")
        let huge =
            "From: a@example.test\n\nHi. This is the qmail-send program.\n\n<x@y.example>:\n" + String(repeating: "word ", count: 200_000) + "\n"
        #expect(QmailBounce.parse(try Self.message(huge)) == nil, "a paragraph the window cuts is not read")
        var many = "From: a@example.test\n\nHi. This is the qmail-send program.\n\n"
        for index in 0..<5_000 { many += "<p\(index)@y.example>:\nSorry. (#5.1.1)\n\n" }
        #expect(try #require(QmailBounce.parse(try Self.message(many))).recipients.count == QmailBounce.maximumRecipients)
        // A paragraph cut by the 64 KiB window is not read: "…said: 5" would read as 5.0.0, hard.
        let header = "From: a@example.test\n\n"
        let filler = header + "Hi. This is the qmail-send program.\n\n<first@y.example>:\nSorry. (#5.1.1)\n\n<second@y.example>:\n"
        // The window ends right after "…said: 5" of the second paragraph.
        let padding = String(repeating: "x", count: QmailBounce.maximumBytes - (filler.utf8.count - header.utf8.count) - 20)
        let cut = filler + padding + "\nRemote host said: 552 5.2.2 full\n"
        let cutBounce = try #require(QmailBounce.parse(try Self.message(cut)))
        #expect(cutBounce.recipients.map(\.address) == ["first@y.example"], "the cut paragraph is left out")
        // Ten million line ends after the introduction: only the first 64 KiB are looked at.
        let newlines =
            Array("From: a@example.test\n\nHi. This is the qmail-send program.\n".utf8) + [UInt8](repeating: 0x0A, count: 10_000_000)
            + Array("<late@y.example>:\nSorry. (#5.1.1)\n".utf8)
        #expect(QmailBounce.parse(try MIMEParser(limits: .init(maxMessageBytes: 20_000_000)).parse(newlines)) == nil)
    }
}
