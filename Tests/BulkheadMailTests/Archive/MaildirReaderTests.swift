import Foundation
import Testing

@testable import BulkheadMail

/// The Maildir reader: cur/ and new/ (never tmp/ nor dot files), in file-name order, CRLF line ends,
/// typed errors for what is not a Maildir and for oversized files.
@Suite struct MaildirReaderTests {
    @Test func aMissingDirectoryIsNotAMaildir() throws {
        let directory = try ArchiveTestDirectory()
        let path = directory.url.appendingPathComponent("absent").path
        #expect(throws: ArchiveError.notMaildir(path: path, reason: "no such directory")) { try MaildirReader(path: path) }
        let file = try directory.write("x".bytes, to: "file")
        #expect(throws: ArchiveError.notMaildir(path: file, reason: "not a directory")) { try MaildirReader(path: file) }
    }

    @Test func aDirectoryWithoutCurOrNewIsNotAMaildir() throws {
        let directory = try ArchiveTestDirectory()
        let path = try directory.folder("mail")
        try directory.folder("mail/new")
        #expect(throws: ArchiveError.notMaildir(path: path, reason: "it has no cur/ folder")) { try MaildirReader(path: path) }
        try directory.folder("mail/cur")
        try FileManager.default.removeItem(atPath: path + "/new")
        #expect(throws: ArchiveError.notMaildir(path: path, reason: "it has no new/ folder")) { try MaildirReader(path: path) }
    }

    @Test func curAndNewAreReadInFileNameOrderWithCRLFLineEnds() throws {
        let directory = try ArchiveTestDirectory()
        let path = try directory.folder("Maildir")
        try directory.write("Subject: second\n\nLF body\n".bytes, to: "Maildir/cur/1700000002.M2P1.host:2,S")
        try directory.write("Subject: first\r\n\r\nCRLF body\r\n".bytes, to: "Maildir/new/1700000001.M1P1.host")
        try directory.write("Subject: third\n\nno line end".bytes, to: "Maildir/new/1700000003.M3P1.host")
        try directory.write("Subject: in delivery\n\n".bytes, to: "Maildir/tmp/1700000000.M0P1.host")
        try directory.write("not mail".bytes, to: "Maildir/cur/.hidden")
        try directory.write("not mail".bytes, to: "Maildir/new/.1700000000.lock")
        try directory.folder("Maildir/cur/1700000004.folder")
        try directory.write("dovecot".bytes, to: "Maildir/dovecot-uidlist")

        let reader = try MaildirReader(path: path)
        #expect(reader.files == ["new/1700000001.M1P1.host", "cur/1700000002.M2P1.host:2,S", "new/1700000003.M3P1.host"])
        var messages: [ArchivedMessage] = []
        while let message = try reader.next() { messages.append(message) }
        #expect(messages.map(\.number) == [1, 2, 3])
        #expect(
            messages.map(\.location) == [
                .maildirFile("new/1700000001.M1P1.host"), .maildirFile("cur/1700000002.M2P1.host:2,S"),
                .maildirFile("new/1700000003.M3P1.host"),
            ])
        #expect(
            messages.map(\.bytes) == [
                "Subject: first\r\n\r\nCRLF body\r\n".bytes, "Subject: second\r\n\r\nLF body\r\n".bytes,
                "Subject: third\r\n\r\nno line end\r\n".bytes,
            ])
        #expect(messages.allSatisfy { $0.envelopeSender == nil })
        #expect(try reader.next() == nil)
    }

    @Test func anEmptyMaildirHasNoMessages() throws {
        let directory = try ArchiveTestDirectory()
        let path = try directory.folder("Maildir")
        try directory.folder("Maildir/cur")
        try directory.folder("Maildir/new")
        #expect(try MaildirReader(path: path).next() == nil)
    }

    @Test func aLargeFileIsReadAcrossChunksAndCRLFSplitAtAChunkEdgeStaysOne() throws {
        let directory = try ArchiveTestDirectory()
        let path = try directory.folder("Maildir")
        try directory.folder("Maildir/new")
        // A CRLF whose CR ends the first 64 KiB chunk and whose LF starts the second.
        let first = [UInt8](repeating: UInt8(ascii: "a"), count: ArchiveLineReader.chunkSize - 1) + [0x0D]
        let rest = [0x0A] + Array("b\nc\r\n".utf8)
        try directory.write(first + rest, to: "Maildir/cur/1.host")
        let message = try #require(try MaildirReader(path: path).next())
        #expect(message.bytes == first + [0x0A] + Array("b\r\nc\r\n".utf8))
    }

    @Test func anOversizedFileThrowsItsNumberAndTheReaderGoesOn() throws {
        let directory = try ArchiveTestDirectory()
        let path = try directory.folder("Maildir")
        try directory.folder("Maildir/new")
        try directory.write("X: 1\n".bytes, to: "Maildir/cur/1.host")
        try directory.write(("X: " + String(repeating: "2", count: 200) + "\n").bytes, to: "Maildir/cur/2.host")
        // 18 octets on disk, 21 once its LFs are CRLFs: over a limit of 19.
        try directory.write("X: 3\nY: 3\nZ: 3333\n".bytes, to: "Maildir/cur/3.host")
        try directory.write("X: 4\n".bytes, to: "Maildir/cur/4.host")
        let reader = try MaildirReader(path: path, maximumMessageBytes: 19)
        #expect(try reader.next()?.bytes == "X: 1\r\n".bytes)
        #expect(throws: ArchiveError.messageTooLarge(number: 2, location: .maildirFile("cur/2.host"), limit: 19)) { try reader.next() }
        #expect(throws: ArchiveError.messageTooLarge(number: 3, location: .maildirFile("cur/3.host"), limit: 19)) { try reader.next() }
        let last = try #require(try reader.next())
        #expect(last.number == 4)
        #expect(last.bytes == "X: 4\r\n".bytes)
    }

    @Test func aFileThatVanishedAfterTheListingThrowsAndTheReaderGoesOn() throws {
        let directory = try ArchiveTestDirectory()
        let path = try directory.folder("Maildir")
        try directory.folder("Maildir/cur")
        try directory.write("X: 1\n".bytes, to: "Maildir/new/1.host")
        try directory.write("X: 2\n".bytes, to: "Maildir/new/2.host")
        let reader = try MaildirReader(path: path)
        try FileManager.default.moveItem(atPath: path + "/new/1.host", toPath: path + "/cur/1.host:2,S")
        #expect(throws: ArchiveError.cannotOpen(path: path + "/new/1.host", reason: "No such file or directory")) { try reader.next() }
        #expect(try reader.next()?.bytes == "X: 2\r\n".bytes)
        #expect(try reader.next() == nil)
    }
}
