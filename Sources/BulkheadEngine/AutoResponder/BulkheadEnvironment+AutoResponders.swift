import BulkheadMail
import BulkheadStore
import Foundation

extension BulkheadEnvironment {
    /// The configured auto-responders (`autoresponders`, `autoreply_breaker`), their texts read now.
    /// Throws ``ConfigurationError`` when a text file cannot be read or is not UTF-8.
    public func autoResponding(doorbell: RelayDoorbell? = nil) throws -> AutoResponding {
        AutoResponding(
            store: store, responders: try autoResponders(), signers: relayCopyWriter, doorbell: doorbell, alerts: alerts, clock: clock,
            logger: logger)
    }

    /// Each configured responder, ready to answer.
    public func autoResponders() throws -> [AutoResponding.Responder] {
        try configuration.autoresponders.enumerated().map { index, responder throws(ConfigurationError) in
            let path = "autoresponders[\(index)]"
            let address: NormalizedAddress
            let mailbox: Mailbox
            do {
                address = try NormalizedAddress(responder.address)
                mailbox = try Mailbox(parsingAddrSpec: responder.address)
            } catch {
                throw .invalidValue("\(path).address", reason: "\(error)")
            }
            let file = configuration.path(responder.textFile)
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .invalidValue("\(path).text_file", reason: "cannot read \(file)")
            }
            guard let text = String(data: data, encoding: .utf8), !text.contains("\0") else {
                throw .invalidValue("\(path).text_file", reason: "\(file) is not UTF-8 text")
            }
            let destination: AutoResponding.Destination =
                if let forward = responder.forwardTo { .forward(forward) } else { .maildir(configuration.path(responder.maildir ?? "")) }
            return AutoResponding.Responder(
                address: address, mailbox: mailbox, aliases: responder.aliases, subject: responder.subject, text: text,
                destination: destination, limits: configuration.autoReplyLimits(responder))
        }
    }
}
