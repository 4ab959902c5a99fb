extension Mailbox {
    /// The mailbox as it goes in a header: `display name <addr-spec>`, or the bare addr-spec when
    /// there is no display name (nil or empty).
    ///
    /// The display name is written as atoms when it is words of `atext` separated by single
    /// spaces, otherwise as a quoted-string; as RFC 2047 encoded-words when it holds a control
    /// character, `=?` or `?=`, or non-ASCII text and `utf8Allowed` is false. With `utf8Allowed` false
    /// the domain is written in A-label form (as held if it has none). A non-ASCII local part has
    /// no ASCII form and is written as is: such an address needs SMTPUTF8 / RFC 6532.
    ///
    /// ```swift
    /// let box = Mailbox(displayName: "Zoë Smith", localPart: "zoe", domain: "bücher.de")
    /// box.formatted(utf8Allowed: true)   // "Zoë Smith <zoe@bücher.de>"
    /// box.formatted(utf8Allowed: false)  // "=?UTF-8?Q?Zo=C3=AB_Smith?= <zoe@xn--bcher-kva.de>"
    /// ```
    public func formatted(utf8Allowed: Bool = true) -> String {
        var output = ""
        append(to: &output, utf8Allowed: utf8Allowed)
        return output
    }

    func append(to output: inout String, utf8Allowed: Bool) {
        let hasName = !(displayName?.isEmpty ?? true)
        if let displayName, hasName {
            Mailbox.appendPhrase(displayName, to: &output, utf8Allowed: utf8Allowed)
            output.append(" <")
        }
        AddressSyntax.appendLocalPart(localPart, to: &output)
        output.append("@")
        if utf8Allowed || AddressSyntax.isASCII(domain) {
            output.append(domain)
        } else {
            output.append((try? asciiDomain) ?? domain)
        }
        if hasName { output.append(">") }
    }

    /// Appends `name` as a phrase: atoms, a quoted-string, or encoded-words.
    static func appendPhrase(_ name: String, to output: inout String, utf8Allowed: Bool) {
        var nonASCII = false
        var control = false
        var marker = false
        var atoms = true
        var previous: UInt8 = 0x20
        for byte in name.utf8 {
            if byte >= 0x80 {
                nonASCII = true
            } else if byte < 0x20 || byte == 0x7F {
                control = true
            } else if (byte == UInt8(ascii: "?") && previous == UInt8(ascii: "=")) || (byte == UInt8(ascii: "=") && previous == UInt8(ascii: "?")) {
                // `=?` starts an encoded-word and `?=` ends one: readers that look for them inside
                // quoted-strings (Python's email package) drop the white space after `?=`.
                marker = true
            }
            if byte == 0x20 {
                if previous == 0x20 { atoms = false }
            } else if !AddressSyntax.isAtext(byte) {
                atoms = false
            }
            previous = byte
        }
        if previous == 0x20 { atoms = false }
        if control || marker || (nonASCII && !utf8Allowed) {
            output.append(EncodedWords.encode(name, context: .phrase))
        } else if atoms {
            output.append(name)
        } else {
            AddressSyntax.appendQuoted(name[...], to: &output)
        }
    }
}

extension Address {
    /// The entry as it goes in a header: a mailbox as ``Mailbox/formatted(utf8Allowed:)``, a group
    /// as `name: member, member;` (`undisclosed-recipients:;` when empty).
    public func formatted(utf8Allowed: Bool = true) -> String {
        var output = ""
        append(to: &output, utf8Allowed: utf8Allowed)
        return output
    }

    func append(to output: inout String, utf8Allowed: Bool) {
        switch self {
        case .mailbox(let mailbox):
            mailbox.append(to: &output, utf8Allowed: utf8Allowed)
        case .group(let name, let members):
            Mailbox.appendPhrase(name, to: &output, utf8Allowed: utf8Allowed)
            output.append(":")
            for (index, member) in members.enumerated() {
                output.append(index == 0 ? " " : ", ")
                member.append(to: &output, utf8Allowed: utf8Allowed)
            }
            output.append(";")
        }
    }
}
