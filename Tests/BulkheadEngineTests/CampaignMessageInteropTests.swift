import BulkheadMail
import Foundation
import Testing
@testable import BulkheadEngine

/// dkimpy verifies signed campaign messages; Python's email package sees one To address and the
/// RFC 8058 headers.
@Suite struct CampaignMessageInteropTests {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func runPython(_ request: [String: Any]) throws -> [[String: Any]] {
        let script = try #require(Bundle.module.url(forResource: "Fixtures/campaign/check_campaign_messages", withExtension: "py"))
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-campaign-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: request).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let python = ProcessInfo.processInfo.environment["BULKHEAD_PYTHON"] ?? "python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start the Python interpreter \"\(python)\" (set BULKHEAD_PYTHON): \(error)")
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "Python interpreter \"\(python)\" failed (status \(process.terminationStatus)); "
                + "it needs dkimpy (import dkim) and pynacl: \(String(decoding: stderr, as: UTF8.self))")
        }
        guard let list = try JSONSerialization.jsonObject(with: stdout) as? [[String: Any]] else {
            throw Failure(description: "unexpected output: \(String(decoding: stdout.prefix(500), as: UTF8.self))")
        }
        return list
    }

    @Test func pythonVerifiesSignedCampaignMessages() throws {
        let key = try DKIMKey.generate(.ed25519)
        let signer = try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s1"))
        let factory = try CampaignFixtures.factory(
            signer: signer, attachments: [BulkheadMail.Attachment(filename: "Rechnung März.pdf", mediaType: "application/pdf", data: (0...255).map { UInt8($0) })])
        let recipients = [
            try RecipientContext(address: "ann@example.org", name: "Ann Lee", attributes: ["city": "Paris"]),
            try RecipientContext(address: "zoe@bücher.example", name: "Zoë \"Z\" Martin, PhD", attributes: ["city": "Köln"]),
            try RecipientContext(address: "o'neil@example.org", name: "Eve\r\nBcc: all@example.com", attributes: ["city": "<Rome>"]),
            try RecipientContext(address: "plain@example.org"),
        ]
        let messages = try recipients.map { recipient -> [UInt8] in
            var generator = SystemRandomNumberGenerator()
            return try factory.makeMessage(
                for: recipient, verpToken: "a1b2c3", unsubscribeToken: CampaignFixtures.token(for: recipient),
                date: MessageDate.now(), signingTime: Date(), using: &generator).bytes
        }
        let results = try Self.runPython([
            "record": key.publicKey.txtRecordValue,
            "messages": messages.map { Data($0).base64EncodedString() },
        ])
        try #require(results.count == recipients.count)
        for (result, recipient) in zip(results, recipients) {
            #expect(result["dkim"] as? Bool == true, "dkimpy: \(result)")
            let signed = result["h"] as? [String] ?? []
            #expect(signed.filter { $0 == "list-unsubscribe" }.count == 2 && signed.filter { $0 == "list-unsubscribe-post" }.count == 2, "h=\(signed)")
            #expect(result["to_fields"] as? Int == 1)
            let to = result["to"] as? [[String]] ?? []
            #expect(to.count == 1, "To read by Python: \(to)")
            #expect(to.first?.first == (recipient.name ?? ""), "display name: \(to)")
            let asciiDomain = try recipient.mailbox.asciiDomain
            let expectedAddresses: Set<String> = [recipient.address, recipient.mailbox.localPart + "@" + asciiDomain]
            let readAddress: String = to.first?.last ?? ""
            #expect(expectedAddresses.contains(readAddress), "address: \(to)")
            #expect(result["cc"] as? Int == 0 && result["bcc"] as? Int == 0)
            let token = try CampaignFixtures.token(for: recipient)
            #expect(result["list_unsubscribe"] as? String == "<https://lists.shop.example/u/\(token)>, <mailto:unsubscribe+\(token)@lists.shop.example>")
            #expect(result["list_unsubscribe_post"] as? String == "List-Unsubscribe=One-Click")
            #expect(result["precedence"] as? String == "bulk")
            #expect(result["auto_submitted"] as? String == "auto-generated")
            #expect((result["defects"] as? [String])?.isEmpty == true, "defects: \(String(describing: result["defects"]))")
        }
    }
}
