import BulkheadTestSupport
import PropertyBased
import Testing

@testable import BulkheadMail

/// Random part trees with random bodies, written by a tiny test-only writer, parse back to the same
/// tree and the same bodies.
@Suite struct ParsePropertyTests {
    /// The model a random message is generated from.
    indirect enum Node: Equatable {
        case leaf(type: String, subtype: String, encoding: Encoding, body: [UInt8])
        case multipart(subtype: String, parts: [Node])
        case message(Node)
    }

    enum Encoding: Equatable { case identity, base64, quotedPrintable }

    static func randomNode(_ rng: inout SeededGenerator, depth: Int, lineBreak: [UInt8]) -> Node {
        let kind = depth >= 3 ? 0 : Int.random(in: 0..<6, using: &rng)
        switch kind {
        case 0, 1, 2:
            let length = Int.random(in: 0..<300, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                // Text lines from an alphabet without the boundary characters.
                var body: [UInt8] = []
                let alphabet = Array("abcdefghij KLMNOP.,:-!".utf8)
                for index in 0..<length {
                    if index > 0 && Int.random(in: 0..<30, using: &rng) == 0 { body += lineBreak }
                    body.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)])
                }
                return .leaf(type: "text", subtype: "plain", encoding: .identity, body: body)
            case 1:
                let body = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                return .leaf(type: "application", subtype: "octet-stream", encoding: .base64, body: body)
            default:
                let body = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                return .leaf(type: "text", subtype: "x-binary", encoding: .quotedPrintable, body: body)
            }
        case 3:
            return .message(randomNode(&rng, depth: depth + 1, lineBreak: lineBreak))
        default:
            let count = Int.random(in: 1...4, using: &rng)
            let subtype = ["mixed", "alternative", "related"][Int.random(in: 0..<3, using: &rng)]
            return .multipart(
                subtype: subtype,
                parts: (0..<count).map { _ in
                    randomNode(&rng, depth: depth + 1, lineBreak: lineBreak)
                })
        }
    }

    /// The test-only writer: headers, then the encoded body.
    static func write(_ node: Node, lineBreak: [UInt8], counter: inout Int) -> [UInt8] {
        var out: [UInt8] = []
        func line(_ text: String) { out += Array(text.utf8) + lineBreak }
        switch node {
        case .leaf(let type, let subtype, let encoding, let body):
            line("Content-Type: \(type)/\(subtype)")
            switch encoding {
            case .identity:
                line("")
                out += body
            case .base64:
                line("Content-Transfer-Encoding: base64")
                line("")
                let encoded = base64(body)
                var index = 0
                while index < encoded.count {
                    out += encoded[index..<min(index + 76, encoded.count)] + lineBreak
                    index += 76
                }
            case .quotedPrintable:
                line("Content-Transfer-Encoding: quoted-printable")
                line("")
                var column = 0
                let hex = Array("0123456789ABCDEF".utf8)
                for byte in body {
                    if column >= 70 {
                        out += Array("=".utf8) + lineBreak
                        column = 0
                    }
                    if (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                        out.append(byte)
                        column += 1
                    } else {
                        out += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                        column += 3
                    }
                }
            }
        case .multipart(let subtype, let parts):
            counter += 1
            let boundary = "=_b\(counter)_="
            line("Content-Type: multipart/\(subtype); boundary=\"\(boundary)\"")
            line("")
            for part in parts {
                line("--\(boundary)")
                out += write(part, lineBreak: lineBreak, counter: &counter)
                out += lineBreak
            }
            line("--\(boundary)--")
        case .message(let inner):
            line("Content-Type: message/rfc822")
            line("")
            out += write(inner, lineBreak: lineBreak, counter: &counter)
        }
        return out
    }

    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[Int(value >> UInt32(18 - 6 * position) & 63)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return out
    }

    /// The model of a parsed entity (the inverse of ``write``).
    static func model(_ entity: MIMEEntity) -> Node? {
        switch entity.body {
        case .leaf(let bytes):
            let encoding: Encoding
            switch entity.headers["Content-Transfer-Encoding"] {
            case "base64": encoding = .base64
            case "quoted-printable": encoding = .quotedPrintable
            default: encoding = .identity
            }
            return .leaf(type: entity.contentType.type, subtype: entity.contentType.subtype, encoding: encoding, body: bytes)
        case .multipart(let parts, _, _):
            let models = parts.compactMap(model)
            return models.count == parts.count ? .multipart(subtype: entity.contentType.subtype, parts: models) : nil
        case .message(let inner):
            return model(inner.value).map(Node.message)
        }
    }

    @Test func randomTreesRoundTrip() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SeededGenerator(seed: seed)
            let lineBreak: [UInt8] = Bool.random(using: &rng) ? [0x0D, 0x0A] : [0x0A]
            let tree = Self.randomNode(&rng, depth: 0, lineBreak: lineBreak)
            var counter = 0
            let bytes = Self.write(tree, lineBreak: lineBreak, counter: &counter)
            do {
                let parsed = try MIMEParser().parse(bytes)
                #expect(Self.model(parsed) == tree)
                #expect(parsed.allEntities.allSatisfy { $0.defects.isEmpty })
            } catch {
                Issue.record("parse failed: \(error)")
            }
        }
    }

    @Test func mutatedMessagesNeverCrash() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SeededGenerator(seed: seed)
            let tree = Self.randomNode(&rng, depth: 0, lineBreak: [0x0D, 0x0A])
            var counter = 0
            var bytes = Self.write(tree, lineBreak: [0x0D, 0x0A], counter: &counter)
            guard !bytes.isEmpty else { return }
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: index)
                default: bytes.insert([0x0A, 0x2D, 0x3D, 0x00][Int.random(in: 0..<4, using: &rng)], at: index)
                }
                if bytes.isEmpty { return }
            }
            do throws(MIMEParseError) {
                let parsed = try MIMEParser().parse(bytes)
                #expect(parsed.allEntities.count >= 1)
            } catch {
                // Only the typed, documented errors may come out; the catch is typed MIMEParseError.
                #expect(!error.description.isEmpty)
            }
        }
    }
}
