import Foundation
import Testing

/// `campaign create` reads its templates from pipes and FIFOs (`<(…)`), and one of them from standard
/// input (`-`).
@Suite struct CampaignTemplateInputTests {
    @Test func templatesFromAFIFOAndStandardInput() throws {
        let workspace = try CLIWorkspace.withNewsList()
        let fifo = workspace.directory.appendingPathComponent("text.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // The FIFO is written while bulkhead reads it (its open blocks until then).
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data("Hello {{first_name}} from a pipe\n{{unsubscribe_url}}\n".utf8))
                try? handle.close()
            }
        }
        writer.start()
        let created = try workspace.run(
            [
                "campaign", "create", "--name", "piped", "--list", "news", "--subject", "S",
                "--text", fifo, "--html", "-", "--json",
            ],
            input: Data("<p>Hello {{first_name}} from stdin</p>\n".utf8))
        #expect(created.status == 0, "\(created.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let id = try #require(object["id"] as? Int)
        #expect(try workspace.run("campaign", "send", "\(id)").status == 0)
        let captured = try #require(try workspace.captured().first?["id"] as? String)
        let message = try workspace.run("capture", "show", captured, "--raw").stdout
        #expect(message.contains("Hello Ada from a pipe"))
        #expect(message.contains("<p>Hello Ada from stdin</p>"))

        let both = try workspace.run(
            ["campaign", "create", "--name", "x", "--list", "news", "--subject", "S", "--text", "-", "--html", "-"],
            input: Data("x".utf8))
        #expect(both.status == 2)
        #expect(both.stderr == "bulkhead: only one of --text and --html can be - (standard input)\n")
    }
}
