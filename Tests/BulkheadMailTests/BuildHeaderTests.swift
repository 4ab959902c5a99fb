import Testing
@testable import BulkheadMail

@Suite struct BuildHeaderTests {
    private func written(_ name: String, _ value: String) throws -> String {
        String(decoding: try HeaderField(name: name, value: value).serialized(), as: UTF8.self)
    }

    @Test func shortFieldIsOneLine() throws {
        #expect(try written("Subject", "hi there") == "Subject: hi there\r\n")
        var list = HeaderList()
        try list.append(name: "A", value: "1")
        try list.append(name: "B", value: "2")
        #expect(try list.serialized() == Array("A: 1\r\nB: 2\r\n".utf8))
    }

    @Test func longValueFoldsAtWhiteSpaceWithin78() throws {
        let words = (1...40).map { "word\($0)" }.joined(separator: " ")
        let text = try written("Subject", words)
        let lines = text.dropLast(2).components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        for line in lines { #expect(line.utf8.count <= 78, "line too long: \(line)") }
        for line in lines.dropFirst() { #expect(line.hasPrefix(" ")) }
        #expect(text.replacingOccurrences(of: "\r\n", with: "") == "Subject: " + words)
    }

    @Test func exactFold() throws {
        let value = String(repeating: "x", count: 60) + " " + String(repeating: "y", count: 30) + "   z"
        #expect(try written("Subject", value) ==
            "Subject: " + String(repeating: "x", count: 60) + "\r\n " + String(repeating: "y", count: 30) + "   z\r\n")
    }

    @Test func neverFoldsInsideQuotedStringOrEncodedWord() throws {
        let quoted = "\"" + (1...30).map { "n\($0)" }.joined(separator: " ") + " \\\" q\""
        let text = try written("To", quoted + " <someone@example.com>")
        #expect(text == "To: " + quoted + "\r\n <someone@example.com>\r\n")
        let word = "=?UTF-8?Q?" + String(repeating: "=C3=A9", count: 10) + "?="
        let encoded = try written("Subject", [word, word, word].joined(separator: " "))
        #expect(encoded == "Subject: " + word + "\r\n " + word + "\r\n " + word + "\r\n")
    }

    @Test func refusesLinesOver998() throws {
        let run = String(repeating: "a", count: 995)
        #expect(throws: MessageBuildError.headerLineTooLong(name: "X-Long")) {
            try HeaderField(name: "X-Long", value: run).serialized()
        }
        // A long run is fine when white space lets it start a line of its own.
        let ok = try written("X-Long", "short " + String(repeating: "b", count: 990))
        #expect(ok.hasPrefix("X-Long: short\r\n b"))
    }

    @Test func trailingWhiteSpaceIsNeverALineOfItsOwn() throws {
        let value = String(repeating: "w", count: 76) + String(repeating: " ", count: 10)
        #expect(try written("S", value) == "S: " + value + "\r\n")
    }
}
