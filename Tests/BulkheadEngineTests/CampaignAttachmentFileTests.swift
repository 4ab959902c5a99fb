import BulkheadEngine
import BulkheadStore
import Foundation
import Testing

@Suite struct CampaignAttachmentFileTests {
    /// Campaign rows store attachments as JSON: older rows hold plain paths, newer ones objects with
    /// the digest; both decode, and a reference without a digest is written the old way.
    @Test func referencesDecodeOldAndNewRows() throws {
        let rows = #"["/srv/old.pdf",{"path":"/srv/new.pdf","sha256":"ab12"}]"#
        let decoded = try JSONDecoder().decode([AttachmentReference].self, from: Data(rows.utf8))
        #expect(decoded == [AttachmentReference(path: "/srv/old.pdf"), AttachmentReference(path: "/srv/new.pdf", sha256: "ab12")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == rows)
    }

    @Test func digestIsCheckedWhenLoading() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-attachment-\(UUID().uuidString).txt")
        try Data("abc".utf8).write(to: file)
        let reference = try CampaignAttachmentFile.reference(forFile: file.path)
        // SHA-256("abc"), FIPS 180-2 appendix B.1
        #expect(reference.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let attachment = try CampaignAttachmentFile.load(reference)
        #expect(attachment.data == Array("abc".utf8) && attachment.mediaType == "text/plain")

        try Data("abd".utf8).write(to: file)
        #expect(
            throws: CampaignAttachmentError.changed(
                path: reference.path, expected: reference.sha256 ?? "",
                found: "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9")
        ) {
            _ = try CampaignAttachmentFile.load(reference)
        }
        // A reference from an older version (no digest) is read as it is.
        #expect(try CampaignAttachmentFile.load(AttachmentReference(path: reference.path)).data == Array("abd".utf8))
        try FileManager.default.removeItem(at: file)
        #expect(throws: CampaignAttachmentError.missing(path: reference.path)) { _ = try CampaignAttachmentFile.load(reference) }
    }
}
