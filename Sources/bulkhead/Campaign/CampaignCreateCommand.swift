import ArgumentParser
import BulkheadEngine
import BulkheadMail
import BulkheadPolicy
import BulkheadStore
import Foundation

/// `bulkhead campaign create`: a new draft campaign, templates checked before it is stored.
struct CampaignCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract:
            "Create a draft campaign from template files (mustache: {{name}}, {{first_name}}, {{email}}, {{attributes.KEY}}, {{unsubscribe_url}}).",
        discussion: """
            HTML templates are HTML-escaped; text templates and the subject are not. Prints the new campaign's id.
            Template files may be pipes or process substitutions (<(…)); `-` reads one of them from standard input.
            Attachments are read when the campaign is created and their SHA-256 is kept: a send refuses a file that
            changed or vanished since.

            Example:
              bulkhead campaign create --name spring --list news --subject "Spring offer for {{first_name}}" \\
                  --text spring.txt --html spring.html --attach price-list.pdf
              render-html spring | bulkhead campaign create --name spring --list news --subject Spring --text <(render-text spring) --html -
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Option(help: "A name for people.") var name: String
    @Option(help: "The list to send to.") var list: String
    @Option(help: "The subject template.") var subject: String
    @Option(help: "The text body template file (`-`: standard input).") var text: String
    @Option(help: "The HTML body template file (`-`: standard input).") var html: String?
    @Option(help: "The From (default: identity.from of the configuration).") var from: String?
    @Option(help: "A file to attach (repeatable).") var attach: [String] = []
    @Option(help: "Only members whose attribute KEY equals VALUE (KEY=VALUE, repeatable).") var segment: [String] = []
    @Option(help: "Sign with this key from dkim_keys of the configuration (default: the dkim key).") var dkimKey: String?
    @Flag(help: "Transactional mail (receipts, notices): exempt from the opt-out and postal-address rules for commercial mail.")
    var transactional = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let configuration = try config.load()
        if text == InputFile.standardInput, html == InputFile.standardInput {
            throw CLIError.fail("only one of --text and --html can be - (standard input)", code: 2)
        }
        let textTemplate = try Self.read(text)
        let htmlTemplate = try html.map(Self.read)
        do {
            _ = try CampaignTemplates(subject: subject, text: textTemplate, html: htmlTemplate)
        } catch {
            throw CLIError.fail("template: \(error)", code: 1)
        }
        let sender = from ?? configuration.identity.from
        do {
            _ = try Mailbox(parsing: sender)
        } catch {
            throw CLIError.fail("--from \(sender.debugDescription): \(error)", code: 1)
        }
        if let dkimKey {
            do { _ = try configuration.dkimKey(named: dkimKey) } catch {
                throw CLIError.fail("--dkim-key \(dkimKey.debugDescription): \(error)", code: 1)
            }
        }
        var attachments: [AttachmentReference] = []
        for file in attach {
            do {
                attachments.append(try CampaignAttachmentFile.reference(forFile: file))
            } catch {
                throw CLIError.fail("\(error)", code: 2)
            }
        }
        var filter: [String: String] = [:]
        for pair in segment {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw CLIError.fail("--segment \(pair.debugDescription): expected KEY=VALUE", code: 2)
            }
            filter[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let campaign = try await config.withStore { store, _ in
            let who = try await actor.authenticated(store, for: "create campaigns", required: true, roles: [.author])
            let target = try await store.existingList(named: list)
            let content = CampaignContent(
                name: name, listID: target.id, segment: filter.isEmpty ? nil : SegmentFilter(attributeEquals: filter), from: sender,
                subjectTemplate: subject, textTemplate: textTemplate, htmlTemplate: htmlTemplate,
                attachments: attachments, dkimKeyRef: dkimKey, kind: transactional ? .transactional : .commercial)
            return try await store.createCampaign(content, actor: who)
        }
        if json {
            print(CLIJSON.encode(CampaignView(campaign: campaign, counts: nil, events: [])))
        } else {
            print("campaign \(campaign.id.rawValue) created (draft): \(name) → list \(list)")
        }
    }

    static func read(_ path: String) throws -> String {
        do {
            return try InputFile.text(path)
        } catch {
            throw CLIError.fail("\(error)", code: 2)
        }
    }
}
