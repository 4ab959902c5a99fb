import BulkheadEngine
import BulkheadMail
import BulkheadStore
import Testing

@Suite struct CampaignFingerprintTests {
    static let content = CampaignContent(
        name: "spring", listID: ListID(rawValue: 1), from: "Shop <news@shop.example>", subjectTemplate: "Hi {{name}}",
        textTemplate: "Hello", htmlTemplate: "<p>Hello</p>", dkimKeyRef: nil)
    static let file = BulkheadMail.Attachment(filename: "prices.pdf", mediaType: "application/pdf", data: Array("%PDF-1".utf8))

    static func print(
        _ content: CampaignContent = content, from: String = "Shop <news@shop.example>", attachments: [BulkheadMail.Attachment] = [file],
        signer: DKIMSigner? = nil
    ) -> String {
        CampaignFingerprint.compute(content: content, from: from, attachments: attachments, signer: signer)
    }

    @Test func everythingARecipientSeesOrWhoSignsChangesIt() throws {
        let base = Self.print()
        #expect(base.hasPrefix("sha256:") && base.count == 7 + 64)
        #expect(Self.print() == base, "the same campaign, the same fingerprint")
        var variants: [String: String] = [:]
        func variant(_ name: String, _ change: (inout CampaignContent) -> Void) {
            var content = Self.content
            change(&content)
            variants[name] = Self.print(content)
        }
        variant("subject") { $0.subjectTemplate += "!" }
        variant("text") { $0.textTemplate = "Hello " }
        variant("html") { $0.htmlTemplate = "<p>Hello!</p>" }
        variant("no html") { $0.htmlTemplate = nil }
        variant("empty html") { $0.htmlTemplate = "" }
        variant("kind") { $0.kind = .transactional }
        variant("dkim ref") { $0.dkimKeyRef = "other" }
        variants["from"] = Self.print(from: "Shop <sales@shop.example>")
        variants["no attachment"] = Self.print(attachments: [])
        variants["attachment bytes"] = Self.print(attachments: [
            BulkheadMail.Attachment(filename: "prices.pdf", mediaType: "application/pdf", data: Array("%PDF-2".utf8))
        ])
        variants["attachment name"] = Self.print(attachments: [
            BulkheadMail.Attachment(filename: "price.pdf", mediaType: "application/pdf", data: Self.file.data)
        ])
        variants["two attachments"] = Self.print(attachments: [Self.file, Self.file])
        let key = try DKIMKey.generate(.ed25519)
        let signer = try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s1"))
        variants["signed"] = Self.print(signer: signer)
        variants["other selector"] = Self.print(
            signer: try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s2")))
        variants["other key"] = Self.print(
            signer: try DKIMSigner(
                key: try DKIMKey.generate(.ed25519), configuration: DKIMSignerConfiguration(domain: "shop.example", selector: "s1")))
        for (name, value) in variants {
            #expect(value != base, "\(name) changes the fingerprint")
        }
        #expect(Set(variants.values).count == variants.count, "every change gives its own fingerprint")

        var renamed = Self.content
        renamed.name = "spring (final)"
        renamed.listID = ListID(rawValue: 9)
        renamed.scheduledAt = .now
        #expect(Self.print(renamed) == base, "the name, list and schedule are not content (the audience is bound apart)")
    }

    @Test func fieldsCannotBleedIntoEachOther() {
        var a = Self.content
        a.subjectTemplate = "ab"
        a.textTemplate = "c"
        var b = Self.content
        b.subjectTemplate = "a"
        b.textTemplate = "bc"
        #expect(Self.print(a) != Self.print(b))
    }
}
