/// The MIME structure of a message body being built, with every leaf already encoded.
indirect enum PartTree {
    case leaf(Leaf)
    case multipart(subtype: String, typeParameter: String?, level: UInt8, children: [PartTree])

    /// A leaf part: its header lines (CRLF included) and its encoded body.
    struct Leaf {
        var headers: [UInt8]
        var body: Body
        var mediaType: String
        /// True when the body is 7bit text with a line starting `--` (checked against boundaries).
        var mayHoldDelimiter: Bool
    }

    enum Body {
        case bytes([UInt8])
        /// The attachment at this index of the streamed list, base64-encoded while writing.
        case streamed(index: Int)
    }

    var mediaType: String {
        switch self {
        case .leaf(let leaf): leaf.mediaType
        case .multipart(let subtype, _, _, _): "multipart/" + subtype
        }
    }

    var isMultipart: Bool {
        if case .multipart = self { return true }
        return false
    }

    var estimatedSize: Int {
        switch self {
        case .leaf(let leaf):
            if case .bytes(let bytes) = leaf.body { return leaf.headers.count + bytes.count + 8 }
            return leaf.headers.count + 8
        case .multipart(_, _, _, let children):
            return children.reduce(200) { $0 + $1.estimatedSize + 40 }
        }
    }

    /// True when a 7bit leaf has a line starting with `--` + `prefix`.
    func hasDelimiterLine(prefix: [UInt8]) -> Bool {
        switch self {
        case .leaf(let leaf):
            guard leaf.mayHoldDelimiter, case .bytes(let bytes) = leaf.body else { return false }
            return bodyHasDelimiterLine(bytes, prefix: prefix)
        case .multipart(_, _, _, let children):
            return children.contains { $0.hasDelimiterLine(prefix: prefix) }
        }
    }

    // MARK: - Leaves

    /// The two text subtypes the builder writes.
    enum TextSubtype {
        case plain
        case html

        var contentTypeLine: StaticString {
            switch self {
            case .plain: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
            case .html: "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: "
            }
        }

        var mediaType: String {
            switch self {
            case .plain: "text/plain"
            case .html: "text/html"
            }
        }
    }

    /// A text/plain or text/html leaf in UTF-8, line endings made CRLF.
    static func textLeaf(_ text: String, subtype: TextSubtype) -> PartTree {
        let normalized = NormalizedText(text)
        let encoding = normalized.transferEncoding
        var headers: [UInt8] = []
        headers.reserveCapacity(96)
        subtype.contentTypeLine.withUTF8Buffer { headers.append(contentsOf: $0) }
        encoding.name.withUTF8Buffer { headers.append(contentsOf: $0) }
        headers.append(0x0D)
        headers.append(0x0A)
        let body: [UInt8]
        switch encoding {
        case .sevenBit: body = normalized.bytes
        case .quotedPrintable: body = QuotedPrintableEncoder.encode(normalized.bytes)
        case .base64: body = Base64Encoder.encode(normalized.bytes)
        }
        return .leaf(
            Leaf(
                headers: headers, body: .bytes(body), mediaType: subtype.mediaType,
                mayHoldDelimiter: encoding == .sevenBit && normalized.hasDashDashLine))
    }

    /// A leaf for caller bytes: 7bit when they are clean CRLF text, base64 otherwise.
    static func binaryLeaf(mediaType: String, extraHeaders: [HeaderField], data: [UInt8]) throws(MessageBuildError) -> PartTree {
        let scan = BinaryScan(data)
        var headers: [UInt8] = []
        try HeaderField(uncheckedName: "Content-Type", value: mediaType).write(into: &headers)
        for field in extraHeaders {
            try field.write(into: &headers)
        }
        let body: [UInt8]
        if scan.isSevenBitClean {
            headers.append(contentsOf: "Content-Transfer-Encoding: 7bit\r\n".utf8)
            body = data
        } else {
            headers.append(contentsOf: "Content-Transfer-Encoding: base64\r\n".utf8)
            body = Base64Encoder.encode(data)
        }
        return .leaf(
            Leaf(
                headers: headers, body: .bytes(body), mediaType: mediaType,
                mayHoldDelimiter: scan.isSevenBitClean && scan.hasDashDashLine))
    }

    static func attachmentLeaf(_ attachment: Attachment) throws(MessageBuildError) -> PartTree {
        let mediaType = try PartHeaderValues.mediaType(attachment.mediaType)
        let disposition = try PartHeaderValues.disposition("attachment", filename: attachment.filename)
        return try binaryLeaf(
            mediaType: mediaType,
            extraHeaders: [HeaderField(uncheckedName: "Content-Disposition", value: disposition)],
            data: attachment.data)
    }

    static func inlineLeaf(_ image: InlineImage) throws(MessageBuildError) -> PartTree {
        let mediaType = try PartHeaderValues.mediaType(image.mediaType)
        let contentID = try PartHeaderValues.contentID(image.contentID)
        let disposition = try PartHeaderValues.disposition("inline", filename: image.filename)
        return try binaryLeaf(
            mediaType: mediaType,
            extraHeaders: [
                HeaderField(uncheckedName: "Content-ID", value: contentID),
                HeaderField(uncheckedName: "Content-Disposition", value: disposition),
            ], data: image.data)
    }

    static func streamedLeaf(_ attachment: StreamedAttachment, index: Int) throws(MessageBuildError) -> PartTree {
        let mediaType = try PartHeaderValues.mediaType(attachment.mediaType)
        let disposition = try PartHeaderValues.disposition("attachment", filename: attachment.filename)
        var headers: [UInt8] = []
        try HeaderField(uncheckedName: "Content-Type", value: mediaType).write(into: &headers)
        try HeaderField(uncheckedName: "Content-Disposition", value: disposition).write(into: &headers)
        headers.append(contentsOf: "Content-Transfer-Encoding: base64\r\n".utf8)
        return .leaf(Leaf(headers: headers, body: .streamed(index: index), mediaType: mediaType, mayHoldDelimiter: false))
    }

    // MARK: - Writing

    /// Writes this part (its headers, blank line and body) after the message headers, then CRLF
    /// when the output does not already end with one; flushes to `sink` whenever `buffer` holds
    /// `flushThreshold` bytes or more, and at the end when `flushThreshold` is finite.
    func emit<Sink: MessageByteSink>(
        into buffer: inout [UInt8], boundaryStem: [UInt8], sink: inout Sink,
        streams: inout [StreamedAttachment], flushThreshold: Int
    ) throws(MessageBuildError) {
        var endsWithCRLF = false
        if case .leaf(let leaf) = self, case .bytes(let body) = leaf.body {
            endsWithCRLF = body.count >= 2 && body[body.count - 2] == 0x0D && body[body.count - 1] == 0x0A
        }
        var writer = Writer(buffer: buffer, threshold: flushThreshold)
        buffer = []
        defer { buffer = writer.buffer }
        try emitPart(&writer, sink: &sink, boundaryStem: boundaryStem, streams: &streams)
        if !endsWithCRLF {
            writer.buffer.append(0x0D)
            writer.buffer.append(0x0A)
        }
        if flushThreshold != Int.max { try writer.flush(to: &sink) }
    }

    private func emitPart<Sink: MessageByteSink>(
        _ writer: inout Writer, sink: inout Sink, boundaryStem: [UInt8],
        streams: inout [StreamedAttachment]
    ) throws(MessageBuildError) {
        switch self {
        case .leaf(let leaf):
            writer.buffer.append(contentsOf: leaf.headers)
            writer.buffer.append(0x0D)
            writer.buffer.append(0x0A)
            switch leaf.body {
            case .bytes(let bytes):
                writer.buffer.append(contentsOf: bytes)
                try writer.flushIfFull(to: &sink)
            case .streamed(let index):
                try writer.streamBase64(from: &streams[index], index: index, to: &sink)
            }
        case .multipart(let subtype, let typeParameter, let level, let children):
            var boundary = boundaryStem
            boundary.append(UInt8(ascii: "."))
            boundary.append(level)
            var value = "multipart/" + subtype + ";"
            if let typeParameter { value += " type=\"" + typeParameter + "\";" }
            value += " boundary=\"" + String(decoding: boundary, as: UTF8.self) + "\""
            try HeaderField(uncheckedName: "Content-Type", value: value).write(into: &writer.buffer)
            writer.buffer.append(0x0D)
            writer.buffer.append(0x0A)
            for child in children {
                writer.buffer.append(UInt8(ascii: "-"))
                writer.buffer.append(UInt8(ascii: "-"))
                writer.buffer.append(contentsOf: boundary)
                writer.buffer.append(0x0D)
                writer.buffer.append(0x0A)
                try child.emitPart(&writer, sink: &sink, boundaryStem: boundaryStem, streams: &streams)
                writer.buffer.append(0x0D)
                writer.buffer.append(0x0A)
            }
            writer.buffer.append(UInt8(ascii: "-"))
            writer.buffer.append(UInt8(ascii: "-"))
            writer.buffer.append(contentsOf: boundary)
            writer.buffer.append(UInt8(ascii: "-"))
            writer.buffer.append(UInt8(ascii: "-"))
        }
    }

    /// An output buffer that hands full chunks to a sink.
    struct Writer {
        var buffer: [UInt8]
        let threshold: Int

        mutating func flushIfFull(to sink: inout some MessageByteSink) throws(MessageBuildError) {
            if buffer.count >= threshold { try flush(to: &sink) }
        }

        mutating func flush(to sink: inout some MessageByteSink) throws(MessageBuildError) {
            var failure: (any Error)?
            buffer.withUnsafeBytes { raw in
                do { try sink.write(raw) } catch { failure = error }
            }
            if let failure { throw MessageBuildError.sinkFailed(reason: String(describing: failure)) }
            buffer.removeAll(keepingCapacity: true)
        }

        /// Reads the attachment chunk by chunk and base64-encodes it into the buffer, flushing as
        /// it fills: memory stays bounded by the chunk size and the threshold.
        mutating func streamBase64(
            from attachment: inout StreamedAttachment, index: Int,
            to sink: inout some MessageByteSink
        ) throws(MessageBuildError) {
            var chunk = [UInt8](repeating: 0, count: attachment.chunkSize)
            var encoder = Base64Encoder()
            while true {
                var failure: (any Error)?
                let count = chunk.withUnsafeMutableBytes { raw -> Int in
                    do { return try attachment.source.read(into: raw) } catch {
                        failure = error
                        return 0
                    }
                }
                if let failure { throw MessageBuildError.attachmentSource(index: index, reason: String(describing: failure)) }
                if count == 0 { break }
                guard count > 0 && count <= chunk.count else {
                    throw MessageBuildError.attachmentSource(index: index, reason: "read reported \(count) bytes for a buffer of \(chunk.count)")
                }
                chunk.withUnsafeBytes { raw in
                    encoder.encode(UnsafeRawBufferPointer(rebasing: raw[0..<count]), into: &buffer)
                }
                try flushIfFull(to: &sink)
            }
            encoder.finish(into: &buffer)
            try flushIfFull(to: &sink)
        }
    }
}
