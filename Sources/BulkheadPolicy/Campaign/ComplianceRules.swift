/// Rule 5 of the campaign preflight: what a commercial campaign must carry (CAN-SPAM's postal address,
/// a visible unsubscribe link, RFC 8058 one-click headers covered by DKIM, a DKIM key aligned with the
/// From domain, a From domain the sender controls, an honest subject). `error` when the transport is a
/// real upstream, `warning` for the capture mailbox; transactional campaigns are exempt.
struct ComplianceRules {
    /// Public mailbox providers: mail From these domains sent from elsewhere fails their DMARC policy.
    static let publicMailboxDomains: Set<String> = [
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "ymail.com", "outlook.com",
        "hotmail.com", "hotmail.co.uk", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "gmx.de",
        "gmx.net", "gmx.com", "web.de", "t-online.de", "mail.ru", "yandex.ru", "proton.me", "protonmail.com", "zoho.com",
        "orange.fr", "free.fr", "libero.it", "qq.com", "163.com",
    ]

    /// Second-level labels under which registrations happen one level deeper (`shop.co.uk`): enough of
    /// the public suffix list to find organisational domains for relaxed alignment in common cases.
    static let registrySecondLevels: Set<String> = ["co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "gv"]

    func check(_ plan: SendPlan) -> [Finding] {
        guard plan.kind == .commercial else { return [] }
        let severity: Finding.Severity = plan.transport == .upstream ? .error : .warning
        var findings: [Finding] = []
        func add(_ code: String, _ message: String, _ location: String, fix: String) {
            findings.append(Finding(code: "compliance.\(code)", severity: severity, message: message, location: location, fix: fix))
        }
        let subject = plan.subject.trimmingCharacters(in: .whitespaces)
        if subject.isEmpty {
            add("subject-empty", "the subject is empty", "subject", fix: "write a subject that says what the mail is about")
        } else if let prefix = ["re:", "fwd:", "fw:", "aw:", "wg:"].first(where: { subject.lowercased().hasPrefix($0) }) {
            add(
                "subject-reply-prefix", "the subject starts with \"\(subject.prefix(prefix.count))\": a campaign is not a reply or a forward",
                "subject", fix: "remove the prefix")
        }
        if let postal = plan.postalAddress?.trimmingCharacters(in: .whitespaces), !postal.isEmpty {
            if !plan.text.contains(postal) || !(plan.html.map { $0.contains(postal) } ?? true) {
                add(
                    "postal-address-missing", "the postal address is not in the footer of every body", "body",
                    fix: "keep the footer Bulkhead adds, or put identity.postal_address in the templates")
            }
        } else {
            add(
                "postal-address-unset", "no postal address is configured (commercial mail must carry one)", "configuration",
                fix: "set identity.postal_address")
        }
        if let link = plan.unsubscribeURL {
            if !plan.text.contains(link) || !(plan.html.map { $0.contains(link) } ?? true) {
                add(
                    "unsubscribe-link-missing", "a body has no visible unsubscribe link", "body",
                    fix: "keep {{unsubscribe_url}} (or the footer Bulkhead adds) in the text and the HTML")
            }
        } else {
            add("unsubscribe-link-missing", "the message has no unsubscribe link", "body", fix: "set identity.unsubscribe_base_url")
        }
        let header = plan.listUnsubscribe ?? ""
        if !header.contains("<https://") || !header.contains("<mailto:") || plan.listUnsubscribePost != "List-Unsubscribe=One-Click" {
            add(
                "one-click-missing", "List-Unsubscribe needs an https and a mailto link, and List-Unsubscribe-Post (RFC 8058)",
                "headers", fix: "set identity.unsubscribe_base_url (Bulkhead adds both headers)")
        }
        guard let dkim = plan.dkimDomain?.lowercased() else {
            add("dkim-missing", "the message is not DKIM-signed", "headers", fix: "configure dkim (bulkhead dkim keygen)")
            return findings
        }
        let signed = Set(plan.dkimSignedHeaders.map { $0.lowercased() })
        if !signed.contains("list-unsubscribe") || !signed.contains("list-unsubscribe-post") {
            add(
                "one-click-unsigned", "DKIM does not cover List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 §4)", "headers",
                fix: "sign both headers")
        }
        if let from = plan.fromDomain?.lowercased() {
            if Self.publicMailboxDomains.contains(from) {
                add(
                    "from-public-mailbox", "the From domain \(from) is a public mailbox provider's: its DMARC policy fails mail sent from elsewhere",
                    "From", fix: "send From a domain you control")
            }
            if Self.organisationalDomain(from) != Self.organisationalDomain(dkim) {
                add(
                    "dkim-unaligned", "the DKIM domain \(dkim) is not aligned with the From domain \(from) (DMARC relaxed alignment)",
                    "headers", fix: "sign with a key of \(Self.organisationalDomain(from)) or one of its subdomains")
            }
        }
        return findings
    }

    /// The registrable domain: the last two labels, or three under a registry's second level (`co.uk`).
    static func organisationalDomain(_ domain: String) -> String {
        let labels = domain.lowercased().split(separator: ".")
        guard labels.count > 2 else { return labels.joined(separator: ".") }
        let keep = labels[labels.count - 1].count == 2 && registrySecondLevels.contains(String(labels[labels.count - 2])) ? 3 : 2
        return labels.suffix(keep).joined(separator: ".")
    }
}
