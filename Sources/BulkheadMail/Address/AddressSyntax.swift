/// Byte classes of RFC 5322 §3.2 (extended to UTF-8 by RFC 6532), shared by the address parser
/// and formatter.
enum AddressSyntax {
    /// `atext` for one ASCII byte; bytes ≥ 0x80 (UTF-8 sequences) are handled by the callers.
    static let atextTable: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in "!#$%&'*+-/=?^_`{|}~".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// True for an `atext` byte; a byte ≥ 0x80 counts when `utf8` is allowed (RFC 6532 `UTF8-non-ascii`).
    @inline(__always) static func isAtext(_ byte: UInt8, utf8: Bool = true) -> Bool {
        byte < 0x80 ? atextTable[Int(byte)] : utf8
    }

    /// True when `text` is a `dot-atom-text`: atext runs separated by single dots, no dot at either end.
    static func isDotAtom(_ text: Substring.UTF8View, utf8: Bool = true) -> Bool {
        var previousDot = true
        for byte in text {
            if byte == UInt8(ascii: ".") {
                if previousDot { return false }
                previousDot = true
            } else if isAtext(byte, utf8: utf8) {
                previousDot = false
            } else {
                return false
            }
        }
        return !previousDot
    }

    /// True when `text` is an `atom` (no dots).
    static func isAtom(_ text: Substring.UTF8View, utf8: Bool = true) -> Bool {
        !text.isEmpty && text.allSatisfy { isAtext($0, utf8: utf8) }
    }

    /// Appends `text` as an RFC 5322 quoted-string: `"` and `\` are escaped with a backslash.
    /// Works on Unicode scalars, so a quote followed by a combining mark is still escaped.
    static func appendQuoted(_ text: Substring, to output: inout String) {
        output.unicodeScalars.append("\"")
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { output.unicodeScalars.append("\\") }
            output.unicodeScalars.append(scalar)
        }
        output.unicodeScalars.append("\"")
    }

    /// Appends a local part as a dot-atom when it is one, otherwise as a quoted-string.
    static func appendLocalPart(_ localPart: String, to output: inout String, utf8: Bool = true) {
        if isDotAtom(localPart[...].utf8, utf8: utf8) {
            output.append(localPart)
        } else {
            appendQuoted(localPart[...], to: &output)
        }
    }

    /// True when every byte of `text` is ASCII.
    @inline(__always) static func isASCII(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }
}
