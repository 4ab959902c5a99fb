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
        #expect(
            try written("Subject", value) == "Subject: " + String(repeating: "x", count: 60) + "\r\n " + String(repeating: "y", count: 30)
                + "   z\r\n")
    }

    @Test func neverFoldsInsideQuotedStringOrEncodedWord() throws {
        let quoted = "\"" + (1...30).map { "n\($0)" }.joined(separator: " ") + " \\\" q\""
        let text = try written("To", quoted + " <someone@example.com>")
        #expect(text == "To: " + quoted + "\r\n <someone@example.com>\r\n")
        let word = "=?UTF-8?Q?" + String(repeating: "=C3=A9", count: 10) + "?="
        let encoded = try written("Subject", [word, word, word].joined(separator: " "))
        #expect(encoded == "Subject: " + word + "\r\n " + word + "\r\n " + word + "\r\n")
    }

    /// A 300-character subject with one stray `"`: an unstructured field has no quoted strings, so
    /// the quote must not glue the rest of the value into one unfoldable run.
    static let subjectWithStrayQuote: String = {
        let words = (1...60).map { "w\($0)" }.joined(separator: " ")
        let text = "Spring sale: 12\" screens and more, " + words + " " + String(repeating: "end ", count: 40)
        return String(text.prefix(300))
    }()

    @Test func unstructuredFieldsFoldPastAStrayQuote() throws {
        let subject = Self.subjectWithStrayQuote
        #expect(subject.utf8.count == 300)
        #expect(subject.filter { $0 == "\"" }.count == 1)
        for name in ["Subject", "Comments", "X-Note", "x-lower", "Content-Description"] {
            let text = try written(name, subject)
            let lines = text.dropLast(2).components(separatedBy: "\r\n")
            #expect(lines.count > 3, "\(name) is folded")
            for line in lines { #expect(line.utf8.count <= 78, "\(name): line too long: \(line)") }
            #expect(text.replacingOccurrences(of: "\r\n", with: "") == name + ": " + subject)
            // The parser unfolds it back to the same value.
            let parsed = try MIMEParser().parse(Array((text + "\r\nbody").utf8))
            #expect(parsed.headers[name] == subject, "\(name) round-trips")
        }
    }

    @Test func structuredFieldsKeepQuotedStringsWhole() throws {
        // The same text as a display name: in an address field the quoted string is one unit.
        let quoted = "\"" + (1...30).map { "n\($0)" }.joined(separator: " ") + "\""
        #expect(try written("Reply-To", quoted + " <someone@example.com>") == "Reply-To: " + quoted + "\r\n <someone@example.com>\r\n")
        #expect(!HeaderField.isUnstructured(name: "To"))
        #expect(!HeaderField.isUnstructured(name: "X"))
        #expect(!HeaderField.isUnstructured(name: "Xa-B"))
        #expect(HeaderField.isUnstructured(name: "SUBJECT"))
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
