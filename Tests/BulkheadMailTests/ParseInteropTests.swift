import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// Python's email package (policy default) and ``MIMEParser`` agree on real-world-like messages
/// (Thunderbird, Outlook, Gmail styles): media types, file names, charsets, decoded bodies and text.
@Suite struct ParseInteropTests {
    static let fixtures = ["thunderbird", "outlook", "gmail"]

    func fixtureURL(_ name: String, _ ext: String) throws -> URL {
        try #require(
            Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures/parse"),
            "missing fixture \(name).\(ext)")
    }

    /// Runs Fixtures/parse/walk_parts.py on a fixture and returns its JSON list of parts.
    func pythonParts(_ fixture: URL) throws -> [[String: Any]] {
        let output = try PythonPeer.runJSON(try fixtureURL("walk_parts", "py"), arguments: [fixture.path], needs: "the email package")
        return try #require(output as? [[String: Any]])
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: fixtures)
    func agreesWithPythonEmail(fixture: String) throws {
        let url = try fixtureURL(fixture, "eml")
        let expected = try pythonParts(url)
        let message = try MIMEParser().parse(Array(try Data(contentsOf: url)))
        let entities = message.allEntities
        #expect(entities.count == expected.count)
        for (entity, python) in zip(entities, expected) {
            #expect(entity.contentType.mediaType == python["type"] as? String)
            #expect(entity.filename == python["filename"] as? String, "\(fixture) \(entity.contentType.mediaType)")
            #expect(entity.contentType.parameters["charset"] == python["charset"] as? String)
            if let body = python["body"] as? String {
                #expect(entity.decodedBody.map(Self.hex) == body, "\(fixture) \(entity.contentType.mediaType)")
            }
            if let text = python["text"] as? String {
                #expect(try entity.text() == text, "\(fixture) \(entity.contentType.mediaType)")
            }
            #expect(entity.defects.isEmpty)
        }
    }

    @Test func fixturesHoldWhatTheyClaim() throws {
        // Guards the interop test against fixtures that would agree trivially.
        let gmail = try MIMEParser().parse(Array(try Data(contentsOf: try fixtureURL("gmail", "eml"))))
        #expect(gmail.allLeaves.compactMap(\.filename) == ["notes.txt", "photo d'été très long.jpg"])
        #expect(gmail.decodedHeader("Subject") == "Photos et notes")
        #expect(try gmail.firstEntity(mediaType: "message/rfc822")?.embeddedMessage?.text() == "Texte transféré.\n")
        let outlook = try MIMEParser().parse(Array(try Data(contentsOf: try fixtureURL("outlook", "eml"))))
        #expect(try outlook.allLeaves.first?.text().contains("révisé – l’offre") == true)
        #expect(outlook.decodedHeader("Subject") == "Re: Devis révisé")
        #expect(outlook.headers["From"] == "\"Dupont, Renée\" <renee@example.fr>")
        let thunderbird = try MIMEParser().parse(Array(try Data(contentsOf: try fixtureURL("thunderbird", "eml"))))
        #expect(thunderbird.allLeaves.last?.filename == "résumé 2026.pdf")
        #expect(thunderbird.allLeaves.last?.decodedBody?.prefix(5) == Array("%PDF-".utf8)[...])
    }
}
