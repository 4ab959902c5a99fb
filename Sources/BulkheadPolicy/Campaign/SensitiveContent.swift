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
    ///
    /// One pass over the UTF-8 bytes cuts words and digit runs; a word reaches a validator (and becomes
    /// a `String`) only when its length and first bytes fit that kind's shape, so ordinary prose costs a
    /// few byte comparisons per word (`bulkhead bench dlp` measures it).
    public static func find(in text: String) -> [SensitiveContent] {
        var text = text
        return text.withUTF8 { bytes in find(in: bytes) }
    }

    private static func find(in bytes: UnsafeBufferPointer<UInt8>) -> [SensitiveContent] {
        var found = Set<SensitiveContent>()
        let tokens = Tokens(bytes)
        if tokens.digitRuns.contains(where: isPaymentCard) { found.insert(.paymentCard) }
        if tokens.ibanWords.contains(where: isIBAN) || tokens.ibanRuns.contains(where: isIBAN) { found.insert(.iban) }
        if tokens.ssnWords.contains(where: isSSN) { found.insert(.usSocialSecurityNumber) }
        if ByteSearch.contains(bytes, "-----BEGIN ") && ByteSearch.contains(bytes, "PRIVATE KEY-----") { found.insert(.privateKey) }
        if tokens.keyWords.contains(where: isAccessKey) { found.insert(.accessKey) }
        if tokens.tokenWords.contains(where: isWebToken) { found.insert(.webToken) }
        if ["confidential", "internal only", "internal use only", "do not forward"].contains(where: {
            ByteSearch.containsIgnoringASCIICase(bytes, $0)
        }) {
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

    /// The text cut into words (split at ASCII whitespace and common punctuation, keeping `-`, `_` and
    /// `.` inside, trailing dots dropped) — only the words whose shape fits a kind are kept, each in that
    /// kind's list — digit runs (digits with single spaces or dashes between groups, as cards are
    /// written), and IBANs written in groups of four.
    private struct Tokens {
        var ibanWords: [String] = []
        var ssnWords: [String] = []
        var keyWords: [String] = []
        var tokenWords: [String] = []
        var digitRuns: [[UInt8]] = []
        var ibanRuns: [String] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            var start = 0
            for index in 0...bytes.count {
                guard index == bytes.count || Self.isSeparator(bytes[index]) else { continue }
                var end = index
                while end > start && bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
                if end > start { classify(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
                start = index + 1
            }
            var run: [UInt8] = []
            var gap = 0
            for byte in bytes {
                if Self.isDigit(byte) {
                    run.append(byte - 48)
                    gap = 0
                } else if (byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-")) && !run.isEmpty && gap == 0 {
                    gap = 1
                } else {
                    if !run.isEmpty { digitRuns.append(run) }
                    run.removeAll(keepingCapacity: true)
                    gap = 0
                }
            }
            if !run.isEmpty { digitRuns.append(run) }
            findGroupedIBANs(bytes)
        }

        /// Keeps a word for the validators whose shape it fits.
        private mutating func classify(_ word: UnsafeBufferPointer<UInt8>) {
            let count = word.count
            let first = word[0]
            if (15...34).contains(count), Self.isLetter(first), Self.isLetter(word[1]), Self.isDigit(word[2]), Self.isDigit(word[3]) {
                ibanWords.append(String(decoding: word, as: UTF8.self))
            }
            if count == 11, word[3] == UInt8(ascii: "-"), word[6] == UInt8(ascii: "-") {
                ssnWords.append(String(decoding: word, as: UTF8.self))
            }
            if count >= 20, [UInt8(ascii: "A"), UInt8(ascii: "g"), UInt8(ascii: "x"), UInt8(ascii: "s"), UInt8(ascii: "r")].contains(first) {
                keyWords.append(String(decoding: word, as: UTF8.self))
            }
            if count >= 14, first == UInt8(ascii: "e"), word[1] == UInt8(ascii: "y"), word[2] == UInt8(ascii: "J") {
                tokenWords.append(String(decoding: word, as: UTF8.self))
            }
        }

        /// "DE89 3704 0044 0532 0130 00": a country code and groups of up to four, split at ASCII white space.
        private mutating func findGroupedIBANs(_ bytes: UnsafeBufferPointer<UInt8>) {
            var pieces: [Range<Int>] = []
            var start = 0
            for index in 0...bytes.count {
                guard index == bytes.count || Self.isSpace(bytes[index]) else { continue }
                if index > start { pieces.append(start..<index) }
                start = index + 1
            }
            for (position, piece) in pieces.enumerated()
            where piece.count == 4 && Self.isUpper(bytes[piece.lowerBound]) && Self.isUpper(bytes[piece.lowerBound + 1]) {
                var joined = Array(bytes[piece])
                var next = position + 1
                while next < pieces.count, pieces[next].count <= 4, joined.count < 34 {
                    joined += bytes[pieces[next]]
                    next += 1
                    let country = String(decoding: joined.prefix(2), as: UTF8.self)
                    if SensitiveContent.ibanLengths[country] == joined.count { ibanRuns.append(String(decoding: joined, as: UTF8.self)) }
                }
            }
        }

        private static func isSeparator(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "["), UInt8(ascii: "]"),
                UInt8(ascii: "{"), UInt8(ascii: "}"):
                true
            default: false
            }
        }

        private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        private static func isUpper(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) }
        private static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (0x61...0x7A).contains(byte) }
    }
}

/// Plain byte searches for the scan (ASCII needles).
enum ByteSearch {
    /// Whether `needle` occurs in `bytes`.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        search(bytes, Array(UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)), ignoringCase: false)
    }

    /// Whether `needle` (lowercase ASCII) occurs in `bytes`, ASCII letters compared without case.
    static func containsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: String) -> Bool {
        search(bytes, Array(needle.utf8), ignoringCase: true)
    }

    private static func search(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8], ignoringCase: Bool) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        let last = bytes.count - needle.count
        var index = 0
        while index <= last {
            let byte = ignoringCase ? lower(bytes[index]) : bytes[index]
            if byte == first {
                var matched = 1
                while matched < needle.count, (ignoringCase ? lower(bytes[index + matched]) : bytes[index + matched]) == needle[matched] {
                    matched += 1
                }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    private static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
}
