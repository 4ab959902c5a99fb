/// Parses a MIME message (RFC 5322 + RFC 2045–2049) from its bytes into a tree of ``MIMEEntity``.
///
/// Accepts CRLF and LF-only line breaks, and tolerates real-world mail: no `MIME-Version`, no closing
/// boundary (the last part ends at the end of the data), header lines without a colon, unknown
/// transfer encodings (kept undecoded) and 8-bit headers; each of these is recorded in the entity's
/// ``MIMEEntity/defects`` (up to ``Limits/maxDefectsPerKind`` of a kind per message, the rest
/// counted in ``MIMEEntity/omittedDefects``). Leaf bodies are transfer-decoded (base64, quoted-printable).
/// Everything is bounded by ``Limits``: size, line and field lengths, field count, nesting depth and
/// part count, and the parser's recursion is bounded by the nesting depth.
///
/// ```swift
/// let message = try MIMEParser().parse(Array(rawMessage))
/// for leaf in message.allLeaves where leaf.contentType.type == "text" {
///     print(leaf.contentType.mediaType, try leaf.text())
/// }
/// let pdf = message.firstEntity(mediaType: "application/pdf")?.decodedBody
/// ```
public struct MIMEParser: Sendable {
    /// The bounds a parse enforces; going over any of them is a ``MIMEParseError``.
    public struct Limits: Sendable, Hashable {
        /// Largest input accepted. Default 50 MiB.
        public var maxMessageBytes: Int
        /// Longest physical header line, line break excluded. RFC 5322 allows 998 octets; real mail
        /// sometimes has longer ones, so the default tolerates 64 KiB.
        public var maxHeaderLineBytes: Int
        /// Longest header field once unfolded (name, colon and value). Default 256 KiB.
        public var maxHeaderFieldBytes: Int
        /// Most fields in one header section. Default 1,000.
        public var maxHeaderFields: Int
        /// Longest header section, line breaks included. Default 1 MiB.
        public var maxHeaderSectionBytes: Int
        /// Deepest nesting of multiparts and embedded messages (the message itself is depth 0).
        /// Default 32; values above 128 are treated as 128 to keep the parser's stack small.
        public var maxDepth: Int
        /// Most entities in one message (the message, its parts and embedded messages). Default 10,000.
        public var maxParts: Int
        /// Most defects of one kind recorded in one message (``MIMEEntity/defects``); defects past
        /// it are counted, not kept (``MIMEEntity/omittedDefects``). Default 100. Not a refusal: a
        /// message with more defects still parses.
        public var maxDefectsPerKind: Int

        /// Limits with the documented defaults, or the values given.
        public init(
            maxMessageBytes: Int = 50 * 1024 * 1024,
            maxHeaderLineBytes: Int = 64 * 1024,
            maxHeaderFieldBytes: Int = 256 * 1024,
            maxHeaderFields: Int = 1_000,
            maxHeaderSectionBytes: Int = 1024 * 1024,
            maxDepth: Int = 32,
            maxParts: Int = 10_000,
            maxDefectsPerKind: Int = 100
        ) {
            self.maxMessageBytes = maxMessageBytes
            self.maxHeaderLineBytes = maxHeaderLineBytes
            self.maxHeaderFieldBytes = maxHeaderFieldBytes
            self.maxHeaderFields = maxHeaderFields
            self.maxHeaderSectionBytes = maxHeaderSectionBytes
            self.maxDepth = maxDepth
            self.maxParts = maxParts
            self.maxDefectsPerKind = maxDefectsPerKind
        }

        /// The documented defaults.
        public static let `default` = Limits()
    }

    /// How base64 bodies that are not valid base64 are handled.
    public enum Base64Policy: Sendable, Hashable {
        /// Refuse the message with ``MIMEParseError/invalidBase64(offset:partOffset:reason:)``: an
        /// octet outside the alphabet (white space is allowed), a truncated final group or missing
        /// padding, misplaced padding, or data after the final padding. The default.
        case strict
        /// Decode what can be decoded (skip bad octets, keep the octets of a truncated group) and
        /// record ``MIMEDefect/invalidBase64(offset:reason:)``.
        case lenient
    }

    /// The bounds every parse enforces.
    public var limits: Limits
    /// Strict (the default) or lenient handling of invalid base64 bodies.
    public var base64Policy: Base64Policy

    /// A parser with the given limits and base64 policy.
    public init(limits: Limits = .default, base64Policy: Base64Policy = .strict) {
        self.limits = limits
        self.base64Policy = base64Policy
    }

    /// Parses a whole message. Offsets in errors and defects are indices of `bytes`.
    public func parse(_ bytes: [UInt8]) throws(MIMEParseError) -> MIMEEntity {
        try bytes.withUnsafeBufferPointer { (buffer) throws(MIMEParseError) in try parse(buffer) }
    }

    /// Parses a whole message held in a slice. Offsets in errors and defects count from the start
    /// of the slice (0), not from the slice's `startIndex`.
    public func parse(_ bytes: ArraySlice<UInt8>) throws(MIMEParseError) -> MIMEEntity {
        try bytes.withUnsafeBufferPointer { (buffer) throws(MIMEParseError) in try parse(buffer) }
    }

    /// Parses a whole message from contiguous memory. Offsets count from the start of `buffer`.
    public func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(MIMEParseError) -> MIMEEntity {
        if buffer.count > limits.maxMessageBytes {
            throw MIMEParseError.messageTooLarge(size: buffer.count, limit: limits.maxMessageBytes)
        }
        var run = Run(buffer: buffer, limits: limits, lenientBase64: base64Policy == .lenient)
        return try run.entity(from: 0, to: buffer.count, depth: 0, defaultType: .defaultPlain)
    }
}

extension MIMEParser {
    /// The state of one parse.
    struct Run {
        let buffer: UnsafeBufferPointer<UInt8>
        let limits: Limits
        let lenientBase64: Bool
        var entityCount = 0
        var scratch: [UInt8] = []
        /// The defects of the entity being parsed, bounded per kind for the whole message.
        var defects: DefectLog

        init(buffer: UnsafeBufferPointer<UInt8>, limits: Limits, lenientBase64: Bool) {
            self.buffer = buffer
            self.limits = limits
            self.lenientBase64 = lenientBase64
            defects = DefectLog(maxPerKind: limits.maxDefectsPerKind)
            scratch.reserveCapacity(256)
        }

        static let digestDefault = ContentType(type: "message", subtype: "rfc822")

        /// Parses the entity in `buffer[start..<end]`. Recursion is bounded by `limits.maxDepth`.
        mutating func entity(
            from start: Int, to end: Int, depth: Int, defaultType: ContentType
        ) throws(MIMEParseError) -> MIMEEntity {
            entityCount += 1
            if entityCount > limits.maxParts {
                throw MIMEParseError.tooManyParts(offset: start, limit: limits.maxParts)
            }
            if depth > min(limits.maxDepth, 128) {
                throw MIMEParseError.nestingTooDeep(offset: start, limit: min(limits.maxDepth, 128))
            }
            let enclosingDefects = defects.beginEntity()
            let (headers, bodyStart) = try HeaderSectionParser.scan(
                buffer, from: start, to: end, limits: limits, defects: &defects, scratch: &scratch)

            var contentType = defaultType
            if let value = headers["Content-Type"] {
                if let parsed = ParameterizedValue.parse(value), let subtype = parsed.subtype {
                    contentType = ContentType(type: parsed.main, subtype: subtype, parameters: parsed.parameters)
                } else {
                    defects.record(.invalidContentType(value))
                    contentType = .defaultPlain
                }
            }
            let encoding = headers["Content-Transfer-Encoding"].map(TransferDecoding.init) ?? .identity

            let body: MIMEBody
            if contentType.type == "multipart" {
                guard let boundary = contentType.parameters["boundary"] else {
                    throw MIMEParseError.missingBoundaryParameter(offset: start)
                }
                let boundaryBytes = Array(boundary.utf8)
                guard (1...998).contains(boundaryBytes.count) else {
                    throw MIMEParseError.invalidBoundary(offset: start, length: boundaryBytes.count)
                }
                body = try multipart(
                    from: bodyStart, to: end, boundary: boundaryBytes, depth: depth,
                    childDefault: contentType.subtype == "digest" ? Run.digestDefault : .defaultPlain)
            } else if contentType.type == "message" && (contentType.subtype == "rfc822" || contentType.subtype == "global") {
                if case .identity = encoding {
                    let inner = try entity(from: bodyStart, to: end, depth: depth + 1, defaultType: .defaultPlain)
                    body = .message(Boxed(inner))
                } else {
                    defects.record(.encodedEmbeddedMessage(offset: bodyStart))
                    body = .leaf(try decode(from: bodyStart, to: end, encoding: encoding))
                }
            } else {
                body = .leaf(try decode(from: bodyStart, to: end, encoding: encoding))
            }
            let found = defects.endEntity(resuming: enclosingDefects)
            return MIMEEntity(
                headers: headers, contentType: contentType, body: body, defects: found.recorded,
                omittedDefects: found.omitted)
        }

        /// Splits a multipart body at its delimiter lines and parses each part.
        mutating func multipart(
            from bodyStart: Int, to end: Int, boundary: [UInt8], depth: Int, childDefault: ContentType
        ) throws(MIMEParseError) -> MIMEBody {
            try boundary.withUnsafeBufferPointer { (boundary) throws(MIMEParseError) -> MIMEBody in
                guard let first = delimiter(boundary, from: bodyStart, contentStart: bodyStart, end: end) else {
                    defects.record(.noBoundaryFound(offset: bodyStart))
                    return .multipart([], preamble: bytes(bodyStart, end), epilogue: [])
                }
                let preamble = bytes(bodyStart, first.contentEnd)
                var parts: [MIMEEntity] = []
                var partStart = first.next
                var closed = first.close
                while !closed {
                    if let found = delimiter(boundary, from: partStart, contentStart: partStart, end: end) {
                        parts.append(try entity(from: partStart, to: found.contentEnd, depth: depth + 1, defaultType: childDefault))
                        partStart = found.next
                        closed = found.close
                    } else {
                        parts.append(try entity(from: partStart, to: end, depth: depth + 1, defaultType: childDefault))
                        defects.record(.missingFinalBoundary(offset: bodyStart))
                        partStart = end
                        break
                    }
                }
                return .multipart(parts, preamble: preamble, epilogue: bytes(partStart, end))
            }
        }

        /// The next delimiter line `--boundary[--][WSP]` at the start of a line at or after `from`:
        /// where the content before it ends (its preceding line break belongs to the delimiter),
        /// where the next content starts, and whether it is the closing delimiter.
        func delimiter(
            _ boundary: UnsafeBufferPointer<UInt8>, from: Int, contentStart: Int, end: Int
        ) -> (contentEnd: Int, next: Int, close: Bool)? {
            let dash = UInt8(ascii: "-")
            var search = from
            while let hit = ByteSearch.first(dash, in: buffer, from: search, to: end) {
                search = hit + 1
                guard hit == contentStart || buffer[hit - 1] == 0x0A,
                    hit + 2 + boundary.count <= end, buffer[hit + 1] == dash,
                    ByteSearch.matches(boundary, in: buffer, at: hit + 2)
                else { continue }
                var index = hit + 2 + boundary.count
                var close = false
                if index + 1 < end && buffer[index] == dash && buffer[index + 1] == dash {
                    close = true
                    index += 2
                }
                while index < end && ByteSearch.isWSP(buffer[index]) { index += 1 }
                let next: Int
                if index == end {
                    next = end
                } else if buffer[index] == 0x0A {
                    next = index + 1
                } else if buffer[index] == 0x0D {
                    next = index + 1 < end && buffer[index + 1] == 0x0A ? index + 2 : index + 1
                } else {
                    continue
                }
                var contentEnd = hit
                if hit > contentStart {
                    contentEnd = hit - 1
                    if contentEnd > contentStart && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                }
                return (contentEnd, next, close)
            }
            return nil
        }

        func bytes(_ start: Int, _ end: Int) -> [UInt8] {
            start < end ? Array(UnsafeBufferPointer(rebasing: buffer[start..<end])) : []
        }

        /// The transfer-decoded body in `buffer[start..<end]`.
        mutating func decode(
            from start: Int, to end: Int, encoding: TransferDecoding
        ) throws(MIMEParseError) -> [UInt8] {
            guard start < end else { return [] }
            let body = UnsafeBufferPointer(rebasing: buffer[start..<end])
            switch encoding {
            case .identity:
                return Array(body)
            case .unknown(let name):
                defects.record(.unknownTransferEncoding(name))
                return Array(body)
            case .quotedPrintable:
                let result = QuotedPrintableDecoder.decode(body)
                if let invalid = result.firstInvalid { defects.record(.invalidQuotedPrintable(offset: start + invalid)) }
                return result.output
            case .base64:
                let result = Base64Decoder.decode(body, lenient: lenientBase64)
                if let failure = result.failure {
                    if !lenientBase64 {
                        throw MIMEParseError.invalidBase64(
                            offset: start + failure.offset, partOffset: failure.offset, reason: failure.reason)
                    }
                    defects.record(.invalidBase64(offset: start + failure.offset, reason: failure.reason))
                }
                return result.output
            }
        }
    }
}

/// A `Content-Transfer-Encoding` value.
enum TransferDecoding: Hashable {
    /// 7bit, 8bit, binary or an empty value: the body is used as it is.
    case identity
    case quotedPrintable
    case base64
    case unknown(String)

    init(_ value: String) {
        let name = value.prefix { $0 != "(" && $0 != ";" }.filter { $0 != " " && $0 != "\t" }.lowercased()
        switch name {
        case "", "7bit", "8bit", "binary": self = .identity
        case "quoted-printable": self = .quotedPrintable
        case "base64": self = .base64
        default: self = .unknown(value)
        }
    }
}
