import ArgumentParser
import BulkheadEngine
import BulkheadPolicy
import BulkheadStore
import Foundation

/// `bulkhead incident follow-up ID --subject S --text FILE [--html FILE]`.
struct IncidentFollowUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow-up",
        abstract: "Send a transactional follow-up to exactly those who received campaign ID or may have, once each.",
        discussion: """
            Creates a new transactional campaign linked to the incident (same list, From and DKIM key) whose \
            audience is every recipient of the original that is delivered or uncertain, minus anyone who \
            opted out since (suppressed, or no longer a confirmed member), minus anyone an earlier follow-up \
            of the same incident reached, may have reached or still has queued — so nobody gets two, however \
            often this runs. Each recipient gets their own message. Then sends it as `campaign send` does \
            (same --actor, --confirm, --force, --json, and every guardrail); when nobody is left, creates \
            nothing and says so. The original must be stopped first (paused, aborted or sent).

            Exit status: 0 sent or nothing to send, 1 an error, 3 the send still needs something (a \
            confirmation or an approval; the message says which), 130 interrupted.

            Examples:
              bulkhead incident follow-up 7 --subject "Please disregard our last message" --text apology.txt
              bulkhead incident follow-up 7 --subject "Correction" --text fix.txt --html fix.html --confirm 1234
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "The subject template.") var subject: String
    @Option(help: "The text body template file (`-`: standard input).") var text: String
    @Option(help: "The HTML body template file (`-`: standard input).") var html: String?
    @Option(help: "A name for people (default: Follow-up to campaign ID).") var name: String?
    @Option(help: "The number of recipients, typed to confirm a large send.") var confirm: Int?
    @Flag(help: "Acknowledge warning findings. Never skips an error, an approval, a confirmation or the undo window.") var force = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        if text == InputFile.standardInput, html == InputFile.standardInput {
            throw CLIError.fail("only one of --text and --html can be - (standard input)", code: 2)
        }
        let textTemplate = try CampaignCreateCommand.read(text)
        let htmlTemplate = try html.map(CampaignCreateCommand.read)
        do {
            _ = try CampaignTemplates(subject: subject, text: textTemplate, html: htmlTemplate)
        } catch {
            throw CLIError.fail("template: \(error)", code: 1)
        }
        let incident = campaign.campaignID
        let created: Campaign? = try await config.withStore { store, _ in
            // Nothing is created while the emergency stop holds (the send would be refused, leaving a draft).
            try await CampaignDelivery.refuseWhileStopped(store)
            let original = try await store.existingCampaign(incident)
            guard !CampaignState.stoppable.contains(original.state) else {
                throw CLIError.fail(
                    "campaign \(incident.rawValue) is still \(original.state.rawValue): stop it first (bulkhead campaign abort \(incident.rawValue)), then follow up",
                    code: 1)
            }
            let audience = try await store.followUpAudience(incident: incident)
            let counted =
                "\(audience.reached) received it or may have, \(audience.optedOutSince) opted out since, \(audience.alreadyFollowedUp) already had a follow-up"
            guard audience.remaining > 0 else {
                var message = "nothing to send for campaign \(incident.rawValue): \(counted)"
                let pending = try await store.allCampaigns().filter { $0.content.followUpOf == incident && !$0.state.isTerminal }
                for other in pending.reversed() {
                    message += "\n  follow-up campaign \(other.id.rawValue) is \(other.state.rawValue): bulkhead campaign send \(other.id.rawValue)"
                }
                print(message)
                return nil
            }
            if let confirm, confirm != audience.remaining {
                throw CLIError.fail(
                    "--confirm \(confirm), but the follow-up goes to \(audience.remaining) (\(counted)); nothing was created", code: 3)
            }
            let content = CampaignContent(
                name: name ?? "Follow-up to campaign \(incident.rawValue)", listID: original.content.listID, from: original.content.from,
                subjectTemplate: subject, textTemplate: textTemplate, htmlTemplate: htmlTemplate, dkimKeyRef: original.content.dkimKeyRef,
                kind: .transactional, followUpOf: incident)
            let followUp = try await store.createCampaign(content, actor: actor.audit)
            FileHandle.standardError.write(
                Data(
                    "bulkhead: campaign \(followUp.id.rawValue) created: follow-up to campaign \(incident.rawValue) for \(audience.remaining) recipient(s) (\(counted))\n"
                        .utf8))
            return followUp
        }
        guard let created else { return }
        // The same gate, undo window and delivery as `campaign send` (a wrong --confirm was refused above,
        // before anything was created).
        try await CampaignDelivery.send(config, actor, created.id, CampaignDelivery.Request(confirm: confirm, force: force, json: json))
    }
}
