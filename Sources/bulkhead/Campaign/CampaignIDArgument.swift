import ArgumentParser
import BulkheadStore

/// Reads a campaign id argument.
struct CampaignIDArgument: ParsableArguments {
    @Argument(help: "The campaign's id (see `bulkhead campaign show`).") var id: Int64

    var campaignID: CampaignID { CampaignID(rawValue: id) }
}
