import Foundation
import Testing

@testable import BulkheadMail

/// The mbox reader: framing, mboxrd un-quoting, line ends, errors with offsets and message numbers.
@Suite struct MboxReaderTests {
    static func readAll(_ reader: MboxReader) throws -> [ArchivedMessage] {
        var messages: [ArchivedMessage] = []
        while let message = try reader.next() { messages.append(message) }
        return messages
    }

    static func reader(_ text: String, limit: Int = MboxReader.defaultMaximumMessageBytes) throws -> (MboxReader, ArchiveTestDirectory) {
        let directory = try ArchiveTestDirectory()
        let path = try directory.write(text.bytes, to: "test.mbox")
        return (try MboxReader(path: path, maximumMessageBytes: limit), directory)
    }

    @Test(arguments: ["", "\n", "\n\r\n\n"])
    func anEmptyFileHasNoMessages(text: String) throws {
        let (reader, directory) = try Self.reader(text)
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
        _ = directory
    }

    @Test func aFileWithoutALeadingFromLineIsRefusedWithTheOffset() throws {
        let (plain, first) = try Self.reader("Subject: hi\n\nbody\n")
        #expect(throws: ArchiveError.notMbox(path: plain.path, offset: 0)) { try plain.next() }
        #expect(try plain.next() == nil)
        let (afterBlank, second) = try Self.reader("\n\r\nFrom: ann@example.org\n\nbody\n")
        #expect(throws: ArchiveError.notMbox(path: afterBlank.path, offset: 3)) { try afterBlank.next() }
        _ = (first, second)
    }

    @Test func aMissingFileIsRefused() throws {
        let directory = try ArchiveTestDirectory()
        let path = directory.url.appendingPathComponent("absent.mbox").path
        #expect(throws: ArchiveError.cannotOpen(path: path, reason: "No such file or directory")) { try MboxReader(path: path) }
    }

    @Test func messagesAreFramedUnquotedAndGetCRLFLineEnds() throws {
        let first = "From ann@example.org Mon Jan  1 00:00:00 2024\n"
        let firstBody =
            "Subject: one\n\n>From here\n>>From there\n>From\n >From x\n>Fromage\nFrom inside, not after an empty line\n"
        let second = "From - Tue Jan  2 00:00:00 2024\r\n"
        let secondBody = "Subject: two\r\n\r\nbody with CRLF\r\nmixed LF line\n\n"
        let third = "From <bob@example.org> Wed Jan  3 00:00:00 2024\n"
        let thirdBody = "Subject: three\n\nno line end at the end"
        let (reader, directory) = try Self.reader(first + firstBody + "\n" + second + secondBody + "\n" + third + thirdBody)
        let messages = try Self.readAll(reader)
        try #require(messages.count == 3)

        #expect(messages[0].number == 1)
        #expect(messages[0].location == .mboxOffset(0))
        #expect(messages[0].envelopeSender == "ann@example.org")
        #expect(
            messages[0].bytes
                == ("Subject: one\r\n\r\nFrom here\r\n>From there\r\n>From\r\n >From x\r\n>Fromage\r\n"
                + "From inside, not after an empty line\r\n").bytes)

        #expect(messages[1].number == 2)
        #expect(messages[1].location == .mboxOffset(Int64((first + firstBody + "\n").utf8.count)))
        #expect(messages[1].envelopeSender == nil)
        #expect(messages[1].bytes == "Subject: two\r\n\r\nbody with CRLF\r\nmixed LF line\r\n\r\n".bytes)

        #expect(messages[2].number == 3)
        #expect(messages[2].location == .mboxOffset(Int64((first + firstBody + "\n" + second + secondBody + "\n").utf8.count)))
        #expect(messages[2].envelopeSender == "bob@example.org")
        #expect(messages[2].bytes == "Subject: three\r\n\r\nno line end at the end\r\n".bytes)
        #expect(try reader.next() == nil)
        _ = directory
    }

    @Test func emptyLinesBeforeTheNextSeparatorAreContentExceptTheLast() throws {
        let (reader, directory) = try Self.reader("From a\nX: 1\n\nbody\n\n\n\nFrom b\nX: 2\n\n\n")
        let messages = try Self.readAll(reader)
        #expect(messages.map(\.bytes) == ["X: 1\r\n\r\nbody\r\n\r\n\r\n".bytes, "X: 2\r\n\r\n".bytes])
        _ = directory
    }

    @Test func anEmptyMessageIsReturnedNotDropped() throws {
        let (reader, directory) = try Self.reader("From a@example.org\n\nFrom b@example.org\nX: y\n")
        let messages = try Self.readAll(reader)
        #expect(messages.map(\.bytes) == [[], "X: y\r\n".bytes])
        #expect(messages.map(\.envelopeSender) == ["a@example.org", "b@example.org"])
        _ = directory
    }

    @Test func nulOctetsBareCRAndEightBitTextPassUnchanged() throws {
        let body: [UInt8] = Array("X: a\u{0}b\r".utf8) + [0x0A] + Array("c\rd Grüße".utf8) + [0xFF, 0x0A]
        let directory = try ArchiveTestDirectory()
        let path = try directory.write(Array("From x\n".utf8) + body, to: "nul.mbox")
        let message = try #require(try MboxReader(path: path).next())
        #expect(message.bytes == Array("X: a\u{0}b\r\n".utf8) + Array("c\rd Grüße".utf8) + [0xFF, 0x0D, 0x0A])
    }

    @Test func anOversizedMessageThrowsItsNumberAndTheReaderGoesOn() throws {
        let big = String(repeating: "x", count: 150)
        let text = "From a\nX: 1\n\nFrom b\nX: 2\n\(big)\n\nFrom c\nX: \(big)\n\nFrom d\nX: 4\n"
        let (reader, directory) = try Self.reader(text, limit: 100)
        #expect(try reader.next()?.bytes == "X: 1\r\n".bytes)
        let secondOffset = Int64("From a\nX: 1\n\n".utf8.count)
        #expect(throws: ArchiveError.messageTooLarge(number: 2, location: .mboxOffset(secondOffset), limit: 100)) { try reader.next() }
        let thirdOffset = Int64(text.utf8.count - "From c\nX: \(big)\n\nFrom d\nX: 4\n".utf8.count)
        #expect(throws: ArchiveError.messageTooLarge(number: 3, location: .mboxOffset(thirdOffset), limit: 100)) { try reader.next() }
        let last = try #require(try reader.next())
        #expect(last.number == 4)
        #expect(last.bytes == "X: 4\r\n".bytes)
        #expect(try reader.next() == nil)
        _ = directory
    }

    @Test func aMessageExactlyAtTheLimitIsRead() throws {
        // "X: 12345\r\n" is 10 octets after conversion.
        let (reader, directory) = try Self.reader("From a\nX: 12345\n\nFrom b\nX: 123456\n", limit: 10)
        #expect(try reader.next()?.bytes == "X: 12345\r\n".bytes)
        #expect(throws: ArchiveError.self) { try reader.next() }
        _ = directory
    }

    @Test func aPipeIsReadAsItArrives() throws {
        let directory = try ArchiveTestDirectory()
        let fifo = directory.url.appendingPathComponent("pipe").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let pieces = ["From a@example.org\nX: 1\n", "\nbody 1\n\nFr", "om b@example.org\nX: 2\n\nbody 2\n"].map { Data($0.utf8) }
        let writer = Thread {
            guard let handle = FileHandle(forWritingAtPath: fifo) else { return }
            for piece in pieces { handle.write(piece) }
            try? handle.close()
        }
        writer.start()
        let reader = try MboxReader(path: fifo)
        #expect(try Self.readAll(reader).map(\.bytes) == ["X: 1\r\n\r\nbody 1\r\n".bytes, "X: 2\r\n\r\nbody 2\r\n".bytes])
    }

    @Test func aLineLongerThanTheLimitWithoutLineEndIsOversized() throws {
        let long = String(repeating: "y", count: 300_000)
        let (reader, directory) = try Self.reader("From a\nX: 1\n\(long)", limit: 1000)
        #expect(throws: ArchiveError.messageTooLarge(number: 1, location: .mboxOffset(0), limit: 1000)) { try reader.next() }
        #expect(try reader.next() == nil)
        _ = directory
    }
}
