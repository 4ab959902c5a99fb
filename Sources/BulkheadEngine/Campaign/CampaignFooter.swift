import Foundation

/// The CAN-SPAM footer: the sender's postal address and the recipient's unsubscribe link.
struct CampaignFooter {
    var postalAddress: String
    var unsubscribeURL: String

    /// `text` followed by a signature-separated footer; nil stays nil.
    func appended(toText text: String?) -> String? {
        guard let text else { return nil }
        var output = text
        if !output.isEmpty && !output.hasSuffix("\n") { output += "\n" }
        output += "\n-- \n" + postalAddress + "\nUnsubscribe: " + unsubscribeURL + "\n"
        return output
    }

    /// `html` with an escaped footer paragraph before its last `</body>` (or at the end).
    func appended(toHTML html: String) -> String {
        var postal = ""
        for line in postalAddress.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if !postal.isEmpty { postal += "<br>" }
            postal += Self.escape(String(line))
        }
        let footer =
            "<hr><p style=\"font-size:12px;color:#666\">" + postal
            + "<br><a href=\"" + Self.escape(unsubscribeURL) + "\">Unsubscribe</a></p>"
        if let range = html.range(of: "</body>", options: [.caseInsensitive, .backwards]) {
            var output = html
            output.insert(contentsOf: footer, at: range.lowerBound)
            return output
        }
        return html + footer
    }

    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        HTMLEscaping.append(text, to: &output)
        return output
    }
}
