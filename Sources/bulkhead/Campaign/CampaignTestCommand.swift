import ArgumentParser
import BulkheadEngine
import BulkheadSMTP
import BulkheadStore
import Foundation

/// `bulkhead campaign test ID --to ADDRESS…`.
struct CampaignTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send the campaign's message to a few test addresses, each its own message, subject prefixed [TEST].",
        discussion: """
            At most guardrails.test_send_max_addresses addresses (25 by default; duplicates count once). Each \
            message is built with the campaign's templates for its address: with the subscriber's name and \
            attributes when a subscriber has that address, else with empty fields. Goes through the configured \
            upstreams, or the capture mailbox when there are none. The ledger is not touched (the campaign's \
            recipients are not affected); the test is audited as campaign.test with the number of addresses.

            An address that opted out (suppressed, or unsubscribed from the campaign's list) gets nothing: its \
            line says so. Nothing is sent while an emergency stop holds (`bulkhead stop --all`).

            Exit status: 0 every message accepted, 1 one was not (or an error), 2 no, too many or invalid addresses, \
            3 an emergency stop is in force.

            Examples:
              bulkhead campaign test 1 --to me@example.org
              bulkhead campaign test 1 --to me@example.org colleague@example.org
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(parsing: .upToNextOption, help: "The test addresses (repeatable; several may follow one --to).") var to: [String] = []

    func run() async throws {
        let configuration = try config.load()
        let addresses: [NormalizedAddress]
        do {
            addresses = try CampaignTestSend.addresses(to, maximum: configuration.guardrails.testSendMaxAddresses)
        } catch {
            throw CLIError.fail("\(error)", code: 2)
        }
        let results = try await config.withEnvironment { environment in
            _ = try await environment.store.existingCampaign(campaign.campaignID)
            try await CampaignDelivery.refuseWhileStopped(environment.store)
            // Once users exist, a test send is an author's act like any send.
            let who = try await actor.authenticated(environment.store, for: "send test messages", required: true, roles: [.author])
            do {
                return try await CampaignTestSend(environment: environment).send(campaign: campaign.campaignID, to: addresses, actor: who)
            } catch let error as StoreError {
                throw error
            } catch {
                throw CLIError.fail("campaign \(campaign.id) cannot be built: \(error)", code: 1)
            }
        }
        var accepted = 0
        for result in results {
            if case .sent = result.outcome { accepted += 1 }
            print("test message to \(result.address.value): \(result.outcome)")
        }
        print("\(accepted) of \(results.count) test message(s) accepted; the campaign's ledger is unchanged")
        if accepted < results.count { throw ExitCode(1) }
    }
}
