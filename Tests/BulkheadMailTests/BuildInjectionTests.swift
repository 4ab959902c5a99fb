import BulkheadTestSupport
import Testing

@testable import BulkheadMail

/// Every caller text that reaches a header is refused when it holds CR, LF or NUL.
@Suite struct BuildInjectionTests {
    private static let base = MessageBuilder(from: Mailbox(localPart: "news", domain: "shop.example"))

    private func build(_ change: (inout MessageBuilder) throws -> Void) throws -> [UInt8] {
        var builder = Self.base
        builder.messageID = try MessageID(left: "fixed", right: "shop.example")
        builder.date = MessageDate(secondsSince1970: 0)
        try change(&builder)
        var generator = SeededGenerator(seed: 3)
        return try builder.build(using: &generator)
    }

    @Test func subject() {
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Subject", offset: 2)) {
            try build { $0.subject = "hi\r\nBcc: everyone@example.com" }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Subject", offset: 1)) {
            try build { $0.subject = "a\u{0}b" }
        }
    }

    @Test func displayNamesAndAddressParts() {
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "To display name", offset: 3)) {
            try build { $0.to = [.mailbox(Mailbox(displayName: "Eve\nBcc: x@y.z", localPart: "eve", domain: "example.org"))] }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "From display name", offset: 0)) {
            try build { $0.from.displayName = "\r" }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Cc local part", offset: 1)) {
            try build { $0.cc = [.mailbox(Mailbox(localPart: "a\nb", domain: "example.org"))] }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Reply-To domain", offset: 7)) {
            try build { $0.replyTo = [.mailbox(Mailbox(localPart: "a", domain: "example\r\n.org"))] }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "To group name", offset: 1)) {
            try build { $0.to = [.group(name: "G\n", members: [])] }
        }
    }

    @Test func customHeaders() {
        var builder = Self.base
        #expect(throws: MessageBuildError.header(.forbiddenCharacterInValue(name: "X-Tag", offset: 1))) {
            try builder.addHeader(name: "X-Tag", value: "a\r\nBcc: x@y.z")
        }
        #expect(throws: MessageBuildError.self) { try builder.addHeader(name: "X-Tag\r\nBcc", value: "v") }
        #expect(throws: MessageBuildError.self) { try builder.addHeader(name: "Bcc: x@y.z\r\nX", value: "v") }
        #expect(throws: MessageBuildError.reservedHeaderName("content-type")) { try builder.addHeader(name: "content-type", value: "text/html") }
        #expect(throws: MessageBuildError.reservedHeaderName("BCC")) { try builder.addHeader(name: "BCC", value: "all@example.com") }
        #expect(builder.customHeaders.isEmpty)
    }

    @Test func attachmentFilenameAndMediaType() {
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "attachment filename", offset: 5)) {
            try build { $0.attachments = [Attachment(filename: "a.pdf\r\nContent-Type: text/html", mediaType: "application/pdf", data: [1])] }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "media type", offset: 10)) {
            try build { $0.attachments = [Attachment(filename: "a", mediaType: "text/plain\nX: y", data: [1])] }
        }
        #expect(throws: MessageBuildError.invalidMediaType("text/plain; x=\"y\"")) {
            try build { $0.attachments = [Attachment(filename: "a", mediaType: "text/plain; x=\"y\"", data: [1])] }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "attachment filename", offset: 3)) {
            try build { $0.inlineImages = [InlineImage(contentID: "a@b", mediaType: "image/png", data: [1], filename: "img\n")] }
        }
    }

    @Test func contentIDAndMessageIDDomain() {
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Content-ID", offset: 3)) {
            try build { $0.inlineImages = [InlineImage(contentID: "a@b\r\nX: y", mediaType: "image/png", data: [1])] }
        }
        #expect(throws: MessageBuildError.invalidIdentifier(field: "Content-ID", value: "a>b@c")) {
            try build { $0.inlineImages = [InlineImage(contentID: "a>b@c", mediaType: "image/png", data: [1])] }
        }
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "Message-ID domain", offset: 4)) {
            try MessageID(left: "id", right: "shop\r\nBcc: x@y.z")
        }
        // Without an explicit Message-ID the From domain names it, and is checked as well.
        var builder = MessageBuilder(from: Mailbox(localPart: "news", domain: "shop\n.example"))
        builder.date = MessageDate(secondsSince1970: 0)
        #expect(throws: MessageBuildError.forbiddenCharacter(field: "From domain", offset: 4)) { try builder.build() }
    }

    @Test func cleanInputBuilds() throws {
        let bytes = try build { $0.subject = "fine" }
        #expect(String(decoding: bytes, as: UTF8.self).contains("Subject: fine\r\n"))
    }
}
