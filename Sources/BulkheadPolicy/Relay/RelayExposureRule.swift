/// Recipients who can see each other: a message whose To, Cc and other address fields
/// (``RelayMessage/visibleRecipientFields``) together show
/// `holdFrom` or more distinct external addresses is held for a person to release it as individual
/// copies or as Bcc (the shop's offer with every customer in To). Local recipients do not count:
/// colleagues seeing each other is ordinary mail.
struct RelayExposureRule {
    let holdFrom: Int

    func check(_ message: RelayMessage) -> [Finding] {
        let external = Set(message.visibleRecipients.lazy.filter { !message.localDomains.contains($0.domain) }.map(AddressKey.init))
        guard external.count >= holdFrom else { return [] }
        return [
            Finding(
                code: "relay.exposure", severity: .approval,
                message: "\(external.count) external addresses in To/Cc (and Reply-To, Mail-Followup-To, …) are seen by every recipient",
                location: "To/Cc",
                fix: RelayRules.releaseSeparately)
        ]
    }
}
