import PropertyBased
import Testing

@testable import BulkheadMail

/// Random messages from the real builder, read back by Bulkhead's own parser: the same headers, the
/// same part tree, the same decoded bodies, and no defects.
@Suite struct BuildParseRoundTripTests {
    @Test func randomBuiltMessagesParseBackEqual() async {
        await propertyCheck(count: 300, input: BuildPropertyTests.message) { builder in
            do {
                var generator = SystemRandomNumberGenerator()
                let bytes = try builder.build(using: &generator)
                let message = try MIMEParser().parse(bytes)
                var problems: [String] = []
                // The parser trims white space at the end of a raw header value (documented); the builder
                // writes trailing white space raw unless the whole value needs encoded-words.
                if let subject = builder.subject.map(Self.trimmingTrailingWhiteSpace),
                    message.decodedHeader("Subject").map(Self.trimmingTrailingWhiteSpace) != subject
                {
                    problems.append("subject \(String(describing: message.decodedHeader("Subject"))) != \(subject.debugDescription)")
                }
                for (name, list) in [("From", [Address.mailbox(builder.from)]), ("To", builder.to)] {
                    let parsed = try message.headers[name].map { try AddressList.parse($0) } ?? []
                    // An empty display name is written as none at all.
                    let given = list.flatMap(\.mailboxes).map { mailbox in
                        var mailbox = mailbox
                        if mailbox.displayName == "" { mailbox.displayName = nil }
                        return mailbox
                    }
                    if parsed.flatMap(\.mailboxes) != given {
                        problems.append("\(name): \(parsed) != \(list)")
                    }
                }
                Self.compare(message, PythonEmailReader.expectedTree(builder), path: "root", isRoot: true, into: &problems)
                #expect(problems.isEmpty, "\(problems)")
            } catch {
                Issue.record("build or parse failed: \(error)")
            }
        }
    }

    static func trimmingTrailingWhiteSpace(_ text: String) -> String {
        String(text.unicodeScalars.reversed().drop { $0 == " " || $0 == "\t" }.reversed().map(Character.init))
    }

    static func normalisedLines(_ text: String) -> String {
        PythonEmailReader.lineFeeds(text)
    }

    static func compare(_ entity: MIMEEntity, _ expected: PythonEmailReader.Expected, path: String, isRoot: Bool, into problems: inout [String]) {
        if !entity.defects.isEmpty { problems.append("\(path): defects \(entity.defects)") }
        let type = entity.contentType.mediaType
        switch expected {
        case .text(let subtype, let text):
            if type != "text/" + subtype { problems.append("\(path): type \(type), expected text/\(subtype)") }
            var wanted = normalisedLines(text)
            let encoding = entity.headers["Content-Transfer-Encoding"]?.lowercased()
            if isRoot && encoding != "base64" && !wanted.hasSuffix("\n") { wanted += "\n" }
            do {
                let read = normalisedLines(try entity.text())
                if read != wanted { problems.append("\(path): text \(read.debugDescription) != \(wanted.debugDescription)") }
            } catch {
                problems.append("\(path): text() threw \(error)")
            }
        case .binary(let wantedType, let data, let filename, let cid, let disposition):
            if type != wantedType { problems.append("\(path): type \(type), expected \(wantedType)") }
            if entity.decodedBody != data { problems.append("\(path): body differs (\(entity.decodedBody?.count ?? -1) vs \(data.count) bytes)") }
            if entity.filename != filename {
                problems.append("\(path): filename \(String(describing: entity.filename)) != \(String(describing: filename))")
            }
            if entity.headers["Content-ID"] != cid { problems.append("\(path): Content-ID \(String(describing: entity.headers["Content-ID"]))") }
            if entity.contentDisposition?.type != disposition {
                problems.append("\(path): disposition \(String(describing: entity.contentDisposition))")
            }
        case .multipart(let subtype, let children):
            if type != "multipart/" + subtype { problems.append("\(path): type \(type), expected multipart/\(subtype)") }
            guard entity.parts.count == children.count else {
                problems.append("\(path): \(entity.parts.count) parts, expected \(children.count)")
                return
            }
            for (index, (part, child)) in zip(entity.parts, children).enumerated() {
                compare(part, child, path: "\(path).\(index)", isRoot: false, into: &problems)
            }
        }
    }
}
