import ArgumentParser
import BulkheadEngine
import BulkheadMail
import BulkheadStore

/// `bulkhead campaign edit ID [--subject S] [--text FILE] [--html FILE] [--from F]`: changes a draft.
struct CampaignEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change a draft's subject, bodies or From (templates checked as by create). An edit voids an approval.",
        discussion: """
            Only drafts can be edited. Whoever edits a campaign cannot approve it afterwards (four eyes).

            Example:
              bulkhead campaign edit 7 --subject "Spring offer for {{first_name}}" --as ann
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "The new subject template.") var subject: String?
    @Option(help: "The new text body template file (`-`: standard input).") var text: String?
    @Option(help: "The new HTML body template file (`-`: standard input).") var html: String?
    @Option(help: "The new From.") var from: String?

    func run() async throws {
        guard subject != nil || text != nil || html != nil || from != nil else {
            throw CLIError.fail("nothing to change: give --subject, --text, --html or --from", code: 2)
        }
        if text == InputFile.standardInput, html == InputFile.standardInput {
            throw CLIError.fail("only one of --text and --html can be - (standard input)", code: 2)
        }
        let textTemplate = try text.map(CampaignCreateCommand.read)
        let htmlTemplate = try html.map(CampaignCreateCommand.read)
        if let from {
            do { _ = try Mailbox(parsing: from) } catch { throw CLIError.fail("--from \(from.debugDescription): \(error)", code: 1) }
        }
        let id = campaign.campaignID
        let updated = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "edit campaigns", required: true, roles: [.author])
            var content = try await store.existingCampaign(id).content
            content.subjectTemplate = subject ?? content.subjectTemplate
            content.textTemplate = textTemplate ?? content.textTemplate
            content.htmlTemplate = htmlTemplate ?? content.htmlTemplate
            content.from = from ?? content.from
            do {
                _ = try CampaignTemplates(subject: content.subjectTemplate, text: content.textTemplate, html: content.htmlTemplate)
            } catch {
                throw CLIError.fail("template: \(error)", code: 1)
            }
            return try await store.updateDraft(id, content: content, actor: who)
        }
        print("campaign \(updated.id.rawValue) updated (\(updated.state.rawValue))")
    }
}
