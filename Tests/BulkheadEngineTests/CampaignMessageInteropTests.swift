import BulkheadMail
import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadEngine

/// dkimpy verifies signed campaign messages; Python's email package sees one To address and the
/// RFC 8058 headers.
@Suite struct CampaignMessageInteropTests {
    static func runPython(_ request: [String: Any]) throws -> [[String: Any]] {
        let script = Bundle.module.url(forResource: "Fixtures/campaign/check_campaign_messages", withExtension: "py")
        let output = try PythonPeer.runJSON(script, request: request, needs: "dkimpy (import dkim) and pynacl")
        return try #require(output as? [[String: Any]])
    }

    @Test func pythonVerifiesSignedCampaignMessages() throws {
        let key = try DKIMKey.generate(.ed25519)
        let signer = try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s1"))
        let factory = try CampaignFixtures.factory(
            signer: signer,
            attachments: [BulkheadMail.Attachment(filename: "Rechnung März.pdf", mediaType: "application/pdf", data: (0...255).map { UInt8($0) })])
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
                date: MessageDate.now(), signingTime: Date(), using: &generator
            ).bytes
        }
        let results = try Self.runPython([
            "record": key.publicKey.txtRecordValue,
            "messages": messages.map { Data($0).base64EncodedString() },
        ])
        try #require(results.count == recipients.count)
        for (result, recipient) in zip(results, recipients) {
            #expect(result["dkim"] as? Bool == true, "dkimpy: \(result)")
            let signed = result["h"] as? [String] ?? []
            #expect(
                signed.filter { $0 == "list-unsubscribe" }.count == 2 && signed.filter { $0 == "list-unsubscribe-post" }.count == 2, "h=\(signed)")
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
            #expect(
                result["list_unsubscribe"] as? String == "<https://lists.shop.example/u/\(token)>, <mailto:unsubscribe+\(token)@lists.shop.example>")
            #expect(result["list_unsubscribe_post"] as? String == "List-Unsubscribe=One-Click")
            #expect(result["precedence"] as? String == "bulk")
            #expect(result["auto_submitted"] as? String == "auto-generated")
            #expect((result["defects"] as? [String])?.isEmpty == true, "defects: \(String(describing: result["defects"]))")
        }
    }
}
