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
        var output = html
        output.makeContiguousUTF8()
        if let offset = output.utf8.withContiguousStorageIfAvailable({ Self.lastBodyEnd(in: $0) }) ?? nil {
            output.insert(contentsOf: footer, at: output.utf8.index(output.utf8.startIndex, offsetBy: offset))
            return output
        }
        return html + footer
    }

    private static let bodyEndTag = Array("</body>".utf8)

    /// The byte offset of the last `</body>` in `html`, in any case (ASCII letters only, as HTML
    /// tag names are), or nil.
    static func lastBodyEnd(in html: UnsafeBufferPointer<UInt8>) -> Int? {
        let tag = bodyEndTag
        var start = html.count - tag.count
        while start >= 0 {
            var matched = true
            for (index, byte) in tag.enumerated() {
                let candidate = html[start + index]
                // ASCII letters compare without case; every other byte as it is.
                let folded = (candidate >= 0x41 && candidate <= 0x5A) ? candidate | 0x20 : candidate
                if folded != byte {
                    matched = false
                    break
                }
            }
            if matched { return start }
            start -= 1
        }
        return nil
    }

    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        HTMLEscaping.append(text, to: &output)
        return output
    }
}
