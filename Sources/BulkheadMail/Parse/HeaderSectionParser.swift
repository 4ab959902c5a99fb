/// Parses an RFC 5322 header section (or any block of header-like fields, such as the per-message
/// and per-recipient blocks of a `message/delivery-status` body, RFC 3464).
///
/// Accepts CRLF and LF line breaks. Fields are unfolded (line breaks before white space removed)
/// and the white space after the colon and at the end is trimmed. Octets that are not valid UTF-8
/// are read as ISO-8859-1, so no octet is lost. Tolerated, and skipped: lines without a colon,
/// continuation lines before any field, invalid field names; a bare CR or NUL in a value becomes a
/// space (``MIMEParser`` records each of these as a ``MIMEDefect``). The section ends at the first
/// empty line or at the end of the data.
///
/// ```swift
/// let bytes = Array("Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\n".utf8)
/// let (headers, bodyStart) = try HeaderSectionParser.parse(bytes)
/// headers["reporting-mta"]                       // "dns; mx.example.com"
/// let blocks = try HeaderSectionParser.parseBlocks(bytes)
/// blocks[1]["Action"]                            // "failed"
/// ```
public enum HeaderSectionParser {
    /// Parses the header section at the start of `bytes`; `bodyStart` is the index just after the
    /// empty line that ends it (or `bytes.count`).
    public static func parse(
        _ bytes: [UInt8], limits: MIMEParser.Limits = .default
    ) throws(MIMEParseError) -> (headers: HeaderList, bodyStart: Int) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(MIMEParseError) in
            var defects = DefectLog(maxPerKind: limits.maxDefectsPerKind)
            var scratch: [UInt8] = []
            return try scan(buffer, from: 0, to: buffer.count, limits: limits, defects: &defects, scratch: &scratch)
        }
    }

    /// Parses the header section at the start of `bytes`; `bodyStart` and the offsets in errors are
    /// indices of `bytes` (so `bytes[bodyStart...]` is the body).
    public static func parse(
        _ bytes: ArraySlice<UInt8>, limits: MIMEParser.Limits = .default
    ) throws(MIMEParseError) -> (headers: HeaderList, bodyStart: Int) {
        let base = bytes.startIndex
        do {
            let result = try bytes.withUnsafeBufferPointer { (buffer) throws(MIMEParseError) in
                var defects = DefectLog(maxPerKind: limits.maxDefectsPerKind)
                var scratch: [UInt8] = []
                return try scan(buffer, from: 0, to: buffer.count, limits: limits, defects: &defects, scratch: &scratch)
            }
            return (result.headers, result.bodyStart + base)
        } catch {
            throw error.shifted(by: base)
        }
    }

    /// Parses consecutive blocks of fields separated by one or more empty lines, as in a
    /// `message/delivery-status` body. Empty blocks are skipped. At most ``MIMEParser/Limits/maxParts``
    /// blocks; each block is bounded like a header section.
    public static func parseBlocks(
        _ bytes: [UInt8], limits: MIMEParser.Limits = .default
    ) throws(MIMEParseError) -> [HeaderList] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(MIMEParseError) in
            var blocks: [HeaderList] = []
            var defects = DefectLog(maxPerKind: limits.maxDefectsPerKind)
            var scratch: [UInt8] = []
            var position = 0
            while position < buffer.count {
                // Skip the empty lines between blocks.
                if buffer[position] == 0x0A {
                    position += 1
                    continue
                }
                if buffer[position] == 0x0D, position + 1 < buffer.count, buffer[position + 1] == 0x0A {
                    position += 2
                    continue
                }
                if blocks.count >= limits.maxParts {
                    throw MIMEParseError.tooManyParts(offset: position, limit: limits.maxParts)
                }
                let result = try scan(
                    buffer, from: position, to: buffer.count, limits: limits, defects: &defects, scratch: &scratch)
                if !result.headers.isEmpty { blocks.append(result.headers) }
                position = max(result.bodyStart, position + 1)
            }
            return blocks
        }
    }

    /// The scanner shared with ``MIMEParser``: parses `buffer[from..<to]`, returns the fields and the
    /// index where the body starts, and records defects.
    static func scan(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, limits: MIMEParser.Limits,
        defects: inout DefectLog, scratch: inout [UInt8]
    ) throws(MIMEParseError) -> (headers: HeaderList, bodyStart: Int) {
        var fields: [HeaderField] = []
        var pendingStart = -1  // start of the current field's first line
        var pendingColon = -1
        var pendingEnd = -1  // end of its last line (line break excluded)
        var lineStart = start

        func flush() throws(MIMEParseError) {
            guard pendingStart >= 0 else { return }
            defer { pendingStart = -1 }
            if let field = try makeField(
                buffer, start: pendingStart, colon: pendingColon, end: pendingEnd, limits: limits,
                defects: &defects, scratch: &scratch)
            {
                fields.append(field)
            }
        }

        while lineStart < end {
            let window = min(end, lineStart + limits.maxHeaderLineBytes + 2)
            let newline = ByteSearch.first(0x0A, in: buffer, from: lineStart, to: window)
            if newline == nil && window < end {
                throw MIMEParseError.headerLineTooLong(offset: lineStart, limit: limits.maxHeaderLineBytes)
            }
            let lineEnd = newline ?? end
            let next = newline.map { $0 + 1 } ?? end
            var contentEnd = lineEnd
            if contentEnd > lineStart && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            if contentEnd - lineStart > limits.maxHeaderLineBytes {
                throw MIMEParseError.headerLineTooLong(offset: lineStart, limit: limits.maxHeaderLineBytes)
            }
            if next - start > limits.maxHeaderSectionBytes {
                throw MIMEParseError.headerSectionTooLarge(offset: start, limit: limits.maxHeaderSectionBytes)
            }
            if contentEnd == lineStart {
                // The empty line that ends the section.
                try flush()
                return (HeaderList(fields), next)
            }
            if ByteSearch.isWSP(buffer[lineStart]) {
                if pendingStart >= 0 {
                    pendingEnd = contentEnd
                } else {
                    defects.record(.headerLineWithoutColon(offset: lineStart))
                }
            } else {
                try flush()
                if let colon = ByteSearch.first(UInt8(ascii: ":"), in: buffer, from: lineStart, to: contentEnd) {
                    if fields.count >= limits.maxHeaderFields {
                        throw MIMEParseError.tooManyHeaderFields(offset: lineStart, limit: limits.maxHeaderFields)
                    }
                    pendingStart = lineStart
                    pendingColon = colon
                    pendingEnd = contentEnd
                } else {
                    defects.record(.headerLineWithoutColon(offset: lineStart))
                }
            }
            lineStart = next
        }
        try flush()
        return (HeaderList(fields), end)
    }

    /// Builds one field from `buffer[start..<end]` (which may span folded lines), or nil (with a
    /// defect) when its name is invalid.
    private static func makeField(
        _ buffer: UnsafeBufferPointer<UInt8>, start: Int, colon: Int, end: Int, limits: MIMEParser.Limits,
        defects: inout DefectLog, scratch: inout [UInt8]
    ) throws(MIMEParseError) -> HeaderField? {
        var nameEnd = colon
        while nameEnd > start && ByteSearch.isWSP(buffer[nameEnd - 1]) { nameEnd -= 1 }
        guard nameEnd > start, nameEnd - start <= 998 else {
            defects.record(.invalidHeaderFieldName(offset: start))
            return nil
        }
        for index in start..<nameEnd where buffer[index] < 33 || buffer[index] > 126 {
            defects.record(.invalidHeaderFieldName(offset: start))
            return nil
        }
        // Unfold into the scratch buffer: drop LF and the CR of CRLF; a bare CR or a NUL becomes a space.
        scratch.removeAll(keepingCapacity: true)
        var index = colon + 1
        while index < end && ByteSearch.isWSP(buffer[index]) { index += 1 }
        var unfoldedLength = colon + 1 - start
        while index < end {
            let byte = buffer[index]
            if byte == 0x0A {
                // folded line break: nothing to copy
            } else if byte == 0x0D {
                if index + 1 < end && buffer[index + 1] == 0x0A {
                    // CR of a CRLF fold
                } else {
                    defects.record(.forbiddenOctetInHeader(offset: index))
                    scratch.append(0x20)
                }
            } else if byte == 0 {
                defects.record(.forbiddenOctetInHeader(offset: index))
                scratch.append(0x20)
            } else {
                scratch.append(byte)
            }
            index += 1
        }
        unfoldedLength += scratch.count
        if unfoldedLength > limits.maxHeaderFieldBytes {
            throw MIMEParseError.headerFieldTooLong(offset: start, limit: limits.maxHeaderFieldBytes)
        }
        var valueEnd = scratch.count
        while valueEnd > 0 && ByteSearch.isWSP(scratch[valueEnd - 1]) { valueEnd -= 1 }
        let name = HeaderText.string(UnsafeBufferPointer(rebasing: buffer[start..<nameEnd]))
        let value = scratch.withUnsafeBufferPointer { HeaderText.string(UnsafeBufferPointer(rebasing: $0[0..<valueEnd])) }
        return HeaderField(uncheckedName: name, value: value)
    }
}

extension MIMEParseError {
    /// The same error with its offsets moved by `delta` (for parses of a slice).
    func shifted(by delta: Int) -> MIMEParseError {
        switch self {
        case .messageTooLarge: return self
        case .headerLineTooLong(let offset, let limit): return .headerLineTooLong(offset: offset + delta, limit: limit)
        case .headerFieldTooLong(let offset, let limit): return .headerFieldTooLong(offset: offset + delta, limit: limit)
        case .tooManyHeaderFields(let offset, let limit): return .tooManyHeaderFields(offset: offset + delta, limit: limit)
        case .headerSectionTooLarge(let offset, let limit): return .headerSectionTooLarge(offset: offset + delta, limit: limit)
        case .nestingTooDeep(let offset, let limit): return .nestingTooDeep(offset: offset + delta, limit: limit)
        case .tooManyParts(let offset, let limit): return .tooManyParts(offset: offset + delta, limit: limit)
        case .missingBoundaryParameter(let offset): return .missingBoundaryParameter(offset: offset + delta)
        case .invalidBoundary(let offset, let length): return .invalidBoundary(offset: offset + delta, length: length)
        case .invalidBase64(let offset, let partOffset, let reason):
            return .invalidBase64(offset: offset + delta, partOffset: partOffset, reason: reason)
        }
    }
}
