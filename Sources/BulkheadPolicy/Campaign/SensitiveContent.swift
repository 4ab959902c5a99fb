/// Detectors for personal or secret data that should not go to a mass audience unreviewed (rule 4 of
/// the campaign preflight, "DLP"): payment card numbers (a card prefix, a card length and the Luhn
/// check), IBANs (country length and mod-97), US social security numbers, PEM private keys, AWS,
/// GitHub, Slack and Stripe key shapes, JSON Web Tokens, and confidentiality markings. Pure and linear
/// in the text's length.
///
/// ```swift
/// SensitiveContent.find(in: "card 4111 1111 1111 1111 exp 12/29")  // [.paymentCard]
/// ```
public enum SensitiveContent: String, Sendable, Hashable, CaseIterable, Codable {
    case paymentCard = "payment-card"
    case iban
    case usSocialSecurityNumber = "us-ssn"
    case privateKey = "private-key"
    case accessKey = "access-key"
    case webToken = "jwt"
    case confidentialMarking = "confidential"

    /// What it is, for a person.
    public var label: String {
        switch self {
        case .paymentCard: "a payment card number"
        case .iban: "an IBAN"
        case .usSocialSecurityNumber: "a US social security number"
        case .privateKey: "a private key"
        case .accessKey: "an access key (AWS, GitHub, Slack or Stripe)"
        case .webToken: "a JSON Web Token"
        case .confidentialMarking: "a confidentiality marking"
        }
    }

    /// The kinds of sensitive content in `text`, in `allCases` order, each once.
    public static func find(in text: String) -> [SensitiveContent] {
        var found = Set<SensitiveContent>()
        let tokens = Tokens(text)
        if tokens.digitRuns.contains(where: isPaymentCard) { found.insert(.paymentCard) }
        if tokens.words.contains(where: isIBAN) || tokens.ibanRuns.contains(where: isIBAN) { found.insert(.iban) }
        if tokens.words.contains(where: isSSN) { found.insert(.usSocialSecurityNumber) }
        if text.contains("-----BEGIN ") && text.contains("PRIVATE KEY-----") { found.insert(.privateKey) }
        if tokens.words.contains(where: isAccessKey) { found.insert(.accessKey) }
        if tokens.words.contains(where: isWebToken) { found.insert(.webToken) }
        let lower = text.lowercased()
        if ["confidential", "internal only", "internal use only", "do not forward"].contains(where: lower.contains) {
            found.insert(.confidentialMarking)
        }
        return allCases.filter(found.contains)
    }

    /// 13 to 19 digits with a card network's prefix that pass the Luhn check.
    static func isPaymentCard(_ digits: [UInt8]) -> Bool {
        guard (13...19).contains(digits.count) else { return false }
        let prefix2 = Int(digits[0]) * 10 + Int(digits[1])
        let prefix4 = prefix2 * 100 + Int(digits[2]) * 10 + Int(digits[3])
        let network =
            digits[0] == 4  // Visa
            || (51...55).contains(prefix2) || (2221...2720).contains(prefix4)  // Mastercard
            || prefix2 == 34 || prefix2 == 37  // American Express
            || prefix4 == 6011 || prefix2 == 65  // Discover
            || (3528...3589).contains(prefix4)  // JCB
        guard network else { return false }
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if index % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// Lengths of IBANs by country (ISO 13616), for the countries most often seen.
    static let ibanLengths: [String: Int] = [
        "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "IE": 22,
        "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24,
    ]

    /// A country code, two check digits and the account part, of the country's length, passing mod-97.
    static func isIBAN(_ word: String) -> Bool {
        let chars = Array(word.uppercased().unicodeScalars)
        guard chars.count >= 15, chars.count <= 34, let length = ibanLengths[String(String.UnicodeScalarView(chars.prefix(2)))],
            chars.count == length, chars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
        else { return false }
        var remainder = 0
        for scalar in chars[4...] + chars[..<4] {
            let value = ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : Int(scalar.value - 55)
            remainder = (value < 10 ? remainder * 10 + value : remainder * 100 + value) % 97
        }
        return remainder == 1
    }

    /// `AAA-GG-SSSS` with the numbers the SSA never issues excluded (000, 666, 9xx; 00; 0000).
    static func isSSN(_ word: String) -> Bool {
        let parts = word.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.map(\.count) == [3, 2, 4], parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let area = Int(parts[0]), let group = Int(parts[1]), let serial = Int(parts[2])
        else { return false }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// AWS access key ids, GitHub tokens, Slack tokens and Stripe secret keys, by their published shapes.
    static func isAccessKey(_ word: String) -> Bool {
        let alnum = { (text: Substring) in text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        if word.count == 20, word.hasPrefix("AKIA") || word.hasPrefix("ASIA"),
            word.dropFirst(4).allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
        {
            return true
        }
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] where word.hasPrefix(prefix) && word.count == 40 {
            if alnum(word.dropFirst(4)) { return true }
        }
        if word.hasPrefix("github_pat_") && word.count >= 50 { return true }
        for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"] where word.hasPrefix(prefix) && word.count >= 20 { return true }
        for prefix in ["sk_live_", "rk_live_"] where word.hasPrefix(prefix) && word.count >= 24 {
            if alnum(word.dropFirst(prefix.count)) { return true }
        }
        return false
    }

    /// Three base64url parts separated by dots, the first decoding to a JSON header (`eyJ` = `{"`).
    static func isWebToken(_ word: String) -> Bool {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].hasPrefix("eyJ"), parts[1].hasPrefix("eyJ"), parts.allSatisfy({ $0.count >= 4 }) else {
            return false
        }
        return parts.allSatisfy { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } }
    }

    /// The text cut into words (split at whitespace and common punctuation, keeping `-`, `_` and `.`
    /// inside), digit runs (digits with single spaces or dashes between groups, as cards are written),
    /// and IBANs written in groups of four.
    private struct Tokens {
        var words: [String] = []
        var digitRuns: [[UInt8]] = []
        var ibanRuns: [String] = []

        init(_ text: String) {
            let separators: Set<Character> = [" ", "\t", "\r", "\n", ",", ";", ":", "(", ")", "<", ">", "\"", "'", "[", "]", "{", "}"]
            words = text.split(whereSeparator: separators.contains).map { String($0).trimmingTrailingDots() }
            var run: [UInt8] = []
            var gap = 0
            for scalar in text.unicodeScalars {
                if ("0"..."9").contains(scalar) {
                    run.append(UInt8(scalar.value - 48))
                    gap = 0
                } else if (scalar == " " || scalar == "-") && !run.isEmpty && gap == 0 {
                    gap = 1
                } else {
                    if !run.isEmpty { digitRuns.append(run) }
                    run = []
                    gap = 0
                }
            }
            if !run.isEmpty { digitRuns.append(run) }
            // "DE89 3704 0044 0532 0130 00": a country code and groups of up to four.
            let pieces = text.split(whereSeparator: \.isWhitespace).map(String.init)
            for start in pieces.indices where pieces[start].count == 4 && pieces[start].prefix(2).allSatisfy(\.isUppercase) {
                var joined = pieces[start]
                var next = start + 1
                while next < pieces.count, pieces[next].count <= 4, joined.count < 34 {
                    joined += pieces[next]
                    next += 1
                    if SensitiveContent.ibanLengths[String(joined.prefix(2))] == joined.count { ibanRuns.append(joined) }
                }
            }
        }
    }
}

extension String {
    fileprivate func trimmingTrailingDots() -> String {
        var text = Substring(self)
        while text.last == "." { text = text.dropLast() }
        return String(text)
    }
}
