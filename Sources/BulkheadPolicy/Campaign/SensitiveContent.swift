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
        var scan = Scan()
        scan.run(bytes)
        return allCases.filter(scan.found.contains)
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

    /// The length of an IBAN of the country with code `first` `second` (ISO 13616, the countries most
    /// often seen; ASCII case ignored), or nil.
    static func ibanLength(_ first: UInt8, _ second: UInt8) -> Int? {
        switch (first & 0xDF, second & 0xDF) {
        case (0x41, 0x54): 20  // AT
        case (0x42, 0x45): 16  // BE
        case (0x43, 0x48): 21  // CH
        case (0x43, 0x5A): 24  // CZ
        case (0x44, 0x45): 22  // DE
        case (0x44, 0x4B): 18  // DK
        case (0x45, 0x53): 24  // ES
        case (0x46, 0x49): 18  // FI
        case (0x46, 0x52): 27  // FR
        case (0x47, 0x42): 22  // GB
        case (0x49, 0x45): 22  // IE
        case (0x49, 0x54): 27  // IT
        case (0x4C, 0x55): 20  // LU
        case (0x4E, 0x4C): 18  // NL
        case (0x4E, 0x4F): 15  // NO
        case (0x50, 0x4C): 28  // PL
        case (0x50, 0x54): 25  // PT
        case (0x53, 0x45): 24  // SE
        default: nil
        }
    }

    /// A country code, two check digits and the account part (ASCII letters and digits), of the
    /// country's length, passing mod-97.
    static func isIBAN(_ word: some Collection<UInt8>) -> Bool {
        guard word.count >= 15, word.count <= 34 else { return false }
        var iterator = word.makeIterator()
        guard let first = iterator.next(), let second = iterator.next(), ibanLength(first, second) == word.count else { return false }
        var remainder = 0
        /// Adds one character to the running remainder: a digit as itself, a letter as 10 to 35.
        func add(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): remainder = (remainder * 10 + Int(byte - 48)) % 97
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): remainder = (remainder * 100 + Int(byte - 55)) % 97
            case UInt8(ascii: "a")...UInt8(ascii: "z"): remainder = (remainder * 100 + Int(byte - 87)) % 97
            default: return false
            }
            return true
        }
        // The first four characters move to the end.
        for byte in word.dropFirst(4) where !add(byte) { return false }
        for byte in word.prefix(4) where !add(byte) { return false }
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

    /// One pass over the bytes. Words are cut at ASCII white space and common punctuation (keeping `-`,
    /// `_` and `.` inside, trailing dots dropped); a word becomes a `String` and reaches a validator only
    /// when its length and first bytes fit that kind's shape. Digit runs (digits with single spaces or
    /// dashes between groups, as cards are written) are judged as they end, without allocating. IBANs
    /// written in groups of four, markings and private-key armour are found from the words in order.
    private struct Scan {
        var found = Set<SensitiveContent>()
        /// The digits of the current run, four bits each (the first 16 in `lowDigits`, three more in
        /// `highDigits`): no array is written per byte.
        private var lowDigits: UInt64 = 0
        private var highDigits: UInt64 = 0
        private var digitCount = 0
        private var gap = 0
        private var sawBegin = false
        private var previous = Marker.other
        private var beforePrevious = Marker.other
        /// The grouped-IBAN candidate being joined, if any.
        private var grouped: [UInt8] = []

        mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress else { return }
            var start = 0
            var index = 0
            while index < bytes.count {
                // Most bytes are letters (or UTF-8 sequences): inside a word, never a digit or a
                // separator. Outside a digit run, eight are skipped at a time up to the next other byte.
                if digitCount == 0, bytes.count - index >= 8 {
                    let others = Self.nonLetters(UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)))
                    index += others.trailingZeroBitCount >> 3
                    if others == 0 { continue }
                }
                let byte = bytes[index]
                index += 1
                if byte &- 0x61 < 26 || byte &- 0x41 < 26 || byte >= 0x80 {
                    if digitCount != 0 { endDigitRun() }
                    continue
                }
                digit(byte)
                if Self.isSeparator(byte) {
                    if index - 1 > start { word(UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), endsAtSpace: Self.isSpace(byte)) }
                    if !grouped.isEmpty && !Self.isSpace(byte) { grouped.removeAll(keepingCapacity: true) }
                    start = index
                }
            }
            if bytes.count > start { word(UnsafeBufferPointer(rebasing: bytes[start...]), endsAtSpace: true) }
            endDigitRun()
        }

        /// Digit runs: judged as a card number when they end (13 to 19 digits).
        @inline(__always) private mutating func digit(_ byte: UInt8) {
            if Self.isDigit(byte) {
                let value = UInt64(byte - 48)
                if digitCount < 16 {
                    lowDigits |= value << (4 * UInt64(digitCount))
                } else if digitCount < 19 {
                    highDigits |= value << (4 * UInt64(digitCount - 16))
                }
                digitCount += 1
                gap = 0
            } else if (byte == 0x20 || byte == UInt8(ascii: "-")) && digitCount > 0 && gap == 0 {
                gap = 1
            } else if digitCount != 0 {
                endDigitRun()
            }
        }

        private mutating func endDigitRun() {
            if (13...19).contains(digitCount) {
                var digits: [UInt8] = []
                digits.reserveCapacity(digitCount)
                for index in 0..<digitCount {
                    let packed: UInt64 = index < 16 ? lowDigits >> (4 * UInt64(index)) : highDigits >> (4 * UInt64(index - 16))
                    digits.append(UInt8(truncatingIfNeeded: packed & 0xF))
                }
                if SensitiveContent.isPaymentCard(digits) { found.insert(.paymentCard) }
            }
            digitCount = 0
            lowDigits = 0
            highDigits = 0
            gap = 0
        }

        private mutating func word(_ raw: UnsafeBufferPointer<UInt8>, endsAtSpace: Bool) {
            var end = raw.count
            while end > 0 && raw[end - 1] == UInt8(ascii: ".") { end -= 1 }
            let word = UnsafeBufferPointer(rebasing: raw[0..<end])
            groupedIBAN(raw, endsAtSpace: endsAtSpace)
            guard !word.isEmpty else { return }
            let count = word.count
            let first = word[0]
            if count >= 11 {
                if (15...34).contains(count), Self.isLetter(first), Self.isLetter(word[1]), Self.isDigit(word[2]), Self.isDigit(word[3]),
                    SensitiveContent.isIBAN(word)
                {
                    found.insert(.iban)
                }
                if count == 11, word[3] == UInt8(ascii: "-"), word[6] == UInt8(ascii: "-"),
                    SensitiveContent.isSSN(String(decoding: word, as: UTF8.self))
                {
                    found.insert(.usSocialSecurityNumber)
                }
                if count >= 20,
                    first == UInt8(ascii: "A") || first == UInt8(ascii: "g") || first == UInt8(ascii: "x") || first == UInt8(ascii: "s")
                        || first == UInt8(ascii: "r"), SensitiveContent.isAccessKey(String(decoding: word, as: UTF8.self))
                {
                    found.insert(.accessKey)
                }
                if count >= 14, first == UInt8(ascii: "e"), word[1] == UInt8(ascii: "y"), word[2] == UInt8(ascii: "J"),
                    SensitiveContent.isWebToken(String(decoding: word, as: UTF8.self))
                {
                    found.insert(.webToken)
                }
            }
            markings(word)
        }

        /// "confidential" inside a word; "internal only", "internal use only", "do not forward" as words
        /// in a row (any case); a word `-----BEGIN`, later followed by `PRIVATE` `KEY-----` (PEM armour).
        private mutating func markings(_ word: UnsafeBufferPointer<UInt8>) {
            if word.count >= 12, ByteSearch.containsIgnoringASCIICase(word, "confidential") { found.insert(.confidentialMarking) }
            let marker = Marker(word)
            switch marker {
            case .only where previous == .internalWord || (previous == .use && beforePrevious == .internalWord): found.insert(.confidentialMarking)
            case .forward where previous == .not && beforePrevious == .doWord: found.insert(.confidentialMarking)
            case .keyArmour where sawBegin && previous == .privateWord: found.insert(.privateKey)
            case .begin: sawBegin = true
            default: break
            }
            beforePrevious = previous
            previous = marker
        }

        /// "DE89 3704 0044 0532 0130 00": a piece of four starting with two capitals opens a candidate; the
        /// pieces of up to four after it (separated by white space only) are joined while they fit.
        private mutating func groupedIBAN(_ piece: UnsafeBufferPointer<UInt8>, endsAtSpace: Bool) {
            var continued = false
            if !grouped.isEmpty, piece.count <= 4, grouped.count < 34 {
                grouped += piece
                continued = true
                if SensitiveContent.ibanLength(grouped[0], grouped[1]) == grouped.count, SensitiveContent.isIBAN(grouped) {
                    found.insert(.iban)
                }
            } else if !grouped.isEmpty {
                grouped.removeAll(keepingCapacity: true)
            }
            if !continued, piece.count == 4, Self.isUpper(piece[0]), Self.isUpper(piece[1]) { grouped = Array(piece) }
            if !endsAtSpace && !grouped.isEmpty { grouped.removeAll(keepingCapacity: true) }
        }

        /// The high bit of each of the eight bytes (little-endian) that is neither an ASCII letter nor
        /// part of a UTF-8 sequence (bytes from 0x80). ASCII bytes cannot carry between lanes here:
        /// with the high bit cleared, a lane plus 0x1F stays below 0x100.
        @inline(__always) private static func nonLetters(_ chunk: UInt64) -> UInt64 {
            let high: UInt64 = 0x8080_8080_8080_8080
            let folded = (chunk | 0x2020_2020_2020_2020) & ~high  // 'A'...'Z' onto 'a'...'z'
            let fromA = (folded &+ 0x1F1F_1F1F_1F1F_1F1F) & high  // lane ≥ 0x61 ('a')
            let pastZ = (folded &+ 0x0505_0505_0505_0505) & high  // lane ≥ 0x7B (after 'z')
            return ~((fromA & ~pastZ) | (chunk & high)) & high
        }

        /// White space, `,` `;` `:` `(` `)` `<` `>` `"` `'` `[` `]` `{` `}`.
        @inline(__always) private static func isSeparator(_ byte: UInt8) -> Bool {
            // One bit per byte below 0x40: 0x09...0x0D, 0x20, 0x22, 0x27, 0x28, 0x29, 0x2C, 0x3A, 0x3B, 0x3C, 0x3E.
            let low: UInt64 =
                (0b11111 << 0x09) | (1 << 0x20) | (1 << 0x22) | (1 << 0x27) | (1 << 0x28) | (1 << 0x29) | (1 << 0x2C)
                | (1 << 0x3A) | (1 << 0x3B) | (1 << 0x3C) | (1 << 0x3E)
            if byte < 0x40 { return (low >> UInt64(byte)) & 1 == 1 }
            return byte | 0x20 == 0x7B || byte | 0x20 == 0x7D  // [ { and ] }
        }

        private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        private static func isUpper(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) }
        private static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (0x61...0x7A).contains(byte) }
    }
}

/// The words the marking and PEM rules look for, read without allocating (ASCII case ignored but for
/// the PEM armour, which is written as is).
private enum Marker {
    case internalWord, use, only, doWord, not, forward, privateWord, begin, keyArmour, other

    init(_ word: UnsafeBufferPointer<UInt8>) {
        switch word.count {
        case 2 where ByteSearch.equalsIgnoringASCIICase(word, "do"): self = .doWord
        case 3 where ByteSearch.equalsIgnoringASCIICase(word, "use"): self = .use
        case 3 where ByteSearch.equalsIgnoringASCIICase(word, "not"): self = .not
        case 4 where ByteSearch.equalsIgnoringASCIICase(word, "only"): self = .only
        case 7 where ByteSearch.equalsIgnoringASCIICase(word, "forward"): self = .forward
        case 7 where ByteSearch.equalsIgnoringASCIICase(word, "private"): self = .privateWord
        case 8 where ByteSearch.equalsIgnoringASCIICase(word, "internal"): self = .internalWord
        case 8 where word.elementsEqual("KEY-----".utf8): self = .keyArmour
        case 10 where word.elementsEqual("-----BEGIN".utf8): self = .begin
        default: self = .other
        }
    }
}

/// A byte search for the scan.
enum ByteSearch {
    /// Whether `needle` (lowercase ASCII) occurs in `bytes`, ASCII letters compared without case.
    static func containsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        let expected = needle.utf8Start
        guard count > 0, bytes.count >= count else { return false }
        for index in 0...(bytes.count - count) where lower(bytes[index]) == expected[0] {
            var matched = 1
            while matched < count, lower(bytes[index + matched]) == expected[matched] { matched += 1 }
            if matched == count { return true }
        }
        return false
    }

    /// Whether `bytes` are `word` (lowercase ASCII), ASCII letters compared without case.
    static func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let expected = word.utf8Start
        for index in 0..<bytes.count where lower(bytes[index]) != expected[index] { return false }
        return true
    }

    private static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
}
