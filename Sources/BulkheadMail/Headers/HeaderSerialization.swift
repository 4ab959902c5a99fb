/// Writing header fields to wire bytes: `Name: value` CRLF, folded (RFC 5322 §2.2.3).
///
/// A long value is folded by putting CRLF before a space or tab, so that lines stay within
/// ``HeaderField/preferredLineLength`` characters where the value allows it. Folds never go inside
/// a quoted string of a structured field (an address list, say) or an encoded-word (which holds
/// no white space), never leave a line of white space only, and a line longer than
/// ``HeaderField/maximumLineLength`` octets is refused. Unstructured fields (``isUnstructured``:
/// Subject, Comments, Content-Description, `X-` fields) have no quoted strings, so a `"` in them
/// is an ordinary character and does not stop folding.
///
/// ```swift
/// var bytes: [UInt8] = []
/// try HeaderField(name: "Subject", value: "Spring offer").write(into: &bytes)
/// // bytes == Array("Subject: Spring offer\r\n".utf8)
/// ```
extension HeaderField {
    /// Lines are folded to stay within 78 characters (RFC 5322 §2.1.1 "SHOULD").
    public static let preferredLineLength = 78
    /// No line may exceed 998 octets, CRLF excluded (RFC 5322 §2.1.1 "MUST").
    public static let maximumLineLength = 998

    /// Appends `Name: value` CRLF to `output`, folded; throws when a run of text without white
    /// space makes a line longer than 998 octets.
    public func write(into output: inout [UInt8]) throws(MessageBuildError) {
        let nameCount = name.utf8.count
        output.append(contentsOf: name.utf8)
        output.append(UInt8(ascii: ":"))
        output.append(0x20)
        let valueCount = value.utf8.count
        if nameCount + 2 + valueCount <= HeaderField.preferredLineLength {
            output.append(contentsOf: value.utf8)
        } else {
            try HeaderField.fold(
                Array(value.utf8), startColumn: nameCount + 2, name: name,
                quotedStrings: !HeaderField.isUnstructured(name: name), into: &output)
        }
        output.append(0x0D)
        output.append(0x0A)
    }

    /// The field as wire bytes, CRLF included.
    public func serialized() throws(MessageBuildError) -> [UInt8] {
        var output: [UInt8] = []
        try write(into: &output)
        return output
    }

    /// True for fields whose value is RFC 5322 `unstructured` text (§3.2.5, §2.2.1): `Subject`,
    /// `Comments`, RFC 2045's `Content-Description`, and `X-` extension fields, written as free text
    /// here. Such a value has no quoted strings: folding treats `"` as any other character.
    ///
    /// ```swift
    /// HeaderField.isUnstructured(name: "subject")     // true
    /// HeaderField.isUnstructured(name: "X-Campaign")  // true
    /// HeaderField.isUnstructured(name: "To")          // false: quoted display names stay whole
    /// ```
    static func isUnstructured(name: String) -> Bool {
        if namesEqual(name, "Subject") || namesEqual(name, "Comments") || namesEqual(name, "Content-Description") {
            return true
        }
        let prefix = Array(name.utf8.prefix(2))
        return prefix.count == 2 && asciiLower(prefix[0]) == UInt8(ascii: "x") && prefix[1] == UInt8(ascii: "-")
    }

    @inline(__always) static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// Appends `value` folded at white space; with `quotedStrings`, never inside a quoted string.
    static func fold(
        _ value: [UInt8], startColumn: Int, name: String, quotedStrings: Bool, into output: inout [UInt8]
    ) throws(MessageBuildError) {
        let count = value.count
        var lineLength = startColumn
        var index = 0
        while index < count {
            let segmentStart = index
            while index < count && isWhiteSpace(value[index]) { index += 1 }
            let textStart = index
            var inQuote = false
            while index < count {
                let byte = value[index]
                if inQuote {
                    if byte == UInt8(ascii: "\\") {
                        index += 2
                        continue
                    }
                    if byte == UInt8(ascii: "\"") { inQuote = false }
                } else {
                    if isWhiteSpace(byte) { break }
                    if quotedStrings && byte == UInt8(ascii: "\"") { inQuote = true }
                }
                index += 1
            }
            index = min(index, count)
            let segmentLength = index - segmentStart
            // Fold before this segment's white space when it would overflow the line, but only
            // when the segment has text (a line must not hold white space only).
            if segmentStart > 0 && textStart < index && lineLength + segmentLength > preferredLineLength {
                output.append(0x0D)
                output.append(0x0A)
                lineLength = 0
            }
            output.append(contentsOf: value[segmentStart..<index])
            lineLength += segmentLength
            if lineLength > maximumLineLength {
                throw MessageBuildError.headerLineTooLong(name: name)
            }
        }
    }
}

extension HeaderList {
    /// Appends every field, in order, as ``HeaderField/write(into:)`` does (no blank line after).
    ///
    /// ```swift
    /// var list = HeaderList()
    /// try list.append(name: "Subject", value: "Hi")
    /// var bytes: [UInt8] = []
    /// try list.write(into: &bytes)   // "Subject: Hi\r\n"
    /// ```
    public func write(into output: inout [UInt8]) throws(MessageBuildError) {
        for field in fields {
            try field.write(into: &output)
        }
    }

    /// The header section as wire bytes, without the blank line that ends it.
    public func serialized() throws(MessageBuildError) -> [UInt8] {
        var output: [UInt8] = []
        try write(into: &output)
        return output
    }
}
