import Foundation
import Testing

/// `campaign create` pins its attachments (SHA-256 at creation): a send refuses a file that changed or
/// vanished since, names it, and sends nothing.
@Suite struct CampaignAttachmentTests {
    @Test func attachmentChangedOrVanishedIsRefused() throws {
        let workspace = try CLIWorkspace.withNewsList()
        try workspace.write("Hello\n{{unsubscribe_url}}\n", to: "body.txt")
        try workspace.write("price list v1\n", to: "prices.txt")
        try workspace.write("terms v1\n", to: "terms.txt")
        let prices = workspace.directory.appendingPathComponent("prices.txt").standardizedFileURL.path
        let terms = workspace.directory.appendingPathComponent("terms.txt").standardizedFileURL.path
        for name in ["changed", "vanished"] {
            let created = try workspace.run(
                "campaign", "create", "--name", name, "--list", "news", "--subject", "S", "--text", "body.txt",
                "--attach", "prices.txt", "--attach", "terms.txt")
            #expect(created.status == 0, "\(created.stderr)")
        }

        try workspace.write("price list v2 (edited after approval)\n", to: "prices.txt")
        let changed = try workspace.run("campaign", "send", "1")
        #expect(changed.status == 3, "refused by the preflight")
        #expect(
            changed.stderr.hasPrefix(
                "preflight:\n  error campaign.unbuildable: the campaign's messages cannot be built: attachment \(prices) changed since the campaign was created (SHA-256 "
            ),
            "\(changed.stderr)")
        #expect(
            changed.stderr.hasSuffix(
                "); nothing was sent\nbulkhead: campaign 1 not sent (campaign.unbuildable); it still needs:\n  - fix the error finding(s) campaign.unbuildable (--force does not skip errors)\n"
            ))

        try workspace.write("price list v1\n", to: "prices.txt")  // the approved content again
        try FileManager.default.removeItem(atPath: terms)
        let vanished = try workspace.run("campaign", "send", "2")
        #expect(vanished.status == 3)
        #expect(
            vanished.stderr == """
                preflight:
                  error campaign.unbuildable: the campaign's messages cannot be built: attachment \(terms) no longer exists (it was there when the campaign was created); nothing was sent
                bulkhead: campaign 2 not sent (campaign.unbuildable); it still needs:
                  - fix the error finding(s) campaign.unbuildable (--force does not skip errors)

                """
        )

        #expect(try workspace.captured().isEmpty, "nothing was sent")
        for id in ["1", "2"] {
            #expect(try workspace.run("campaign", "show", id).stdout.contains("state: draft"))
        }

        try workspace.write("terms v1\n", to: "terms.txt")  // both files as approved: the send goes ahead
        let sent = try workspace.run("campaign", "send", "2")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try workspace.captured().count == 1)
    }
}
