/// A streaming CSV reader (RFC 4180, plus what spreadsheets really write): feed it bytes in chunks of
/// any size and it hands back one record at a time with the line number the record starts on.
///
/// Memory is bounded by the longest record (`maxFieldBytes` × `maxFields`), never by the file. A record
/// that breaks a limit or holds invalid UTF-8 comes back as a ``CSVRecordError`` with its line number,
/// and reading goes on with the next record: nothing is dropped silently.
///
/// ```swift
/// var parser = CSVRecordParser()
/// parser.feed(Array("email,name\r\nada@example.com,\"Lovelace, Ada\"\n".utf8)) { result in
///     print(result) // success(line 1: ["email", "name"]), success(line 2: ["ada@example.com", "Lovelace, Ada"])
/// }
/// parser.finish { _ in }
/// ```
public struct CSVRecordParser: Sendable {
    /// One parsed record and the (1-based) line of the input it starts on.
    public struct Record: Sendable, Hashable {
        public var fields: [String]
        public var line: Int
    }

    /// The field separator; `nil` means "detect it from the first record" (`,` `;` or tab, the most
    /// frequent outside quotes, `,` when none occurs).
    public private(set) var separator: UInt8?
    public let maxFieldBytes: Int
    public let maxFields: Int

    private var fields: [String] = []
    private var field: [UInt8] = []
    private var inQuotes = false
    private var quoteJustClosed = false
    private var pendingCR = false
    private var line = 1
    private var recordLine = 1
    private var brokenRecord: CSVRecordError.Reason?
    private var atStart = true
    private var firstRecordBuffer: [UInt8]? = []

    public init(separator: UInt8? = nil, maxFieldBytes: Int = 64 * 1024, maxFields: Int = 1_000) {
        self.separator = separator
        self.maxFieldBytes = maxFieldBytes
        self.maxFields = maxFields
        if separator != nil { firstRecordBuffer = nil }
    }

    /// Reads `bytes` and calls `emit` for every record completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>, emit: (Result<Record, CSVRecordError>) -> Void) {
        if firstRecordBuffer != nil {
            // Until the separator is known, hold the first line back and decide on it.
            for byte in bytes {
                if firstRecordBuffer == nil {
                    consume(byte, emit: emit)
                } else {
                    firstRecordBuffer!.append(byte)
                    if byte == 0x0A || firstRecordBuffer!.count > maxFieldBytes * 4 { flushFirstRecord(emit: emit) }
                }
            }
            return
        }
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in feed(contiguous: buffer, emit: emit) }
        if contiguous == nil {
            for byte in bytes { consume(byte, emit: emit) }
        }
    }

    /// ``feed(_:emit:)`` over contiguous bytes: a run of bytes that only extends the current field
    /// (inside quotes up to the next quote; outside, up to the next separator, quote or line break) is
    /// appended at once; every other byte goes through ``consume(_:emit:)``, one at a time.
    private mutating func feed(contiguous buffer: UnsafeBufferPointer<UInt8>, emit: (Result<Record, CSVRecordError>) -> Void) {
        let separator = self.separator ?? UInt8(ascii: ",")
        var index = 0
        while index < buffer.count {
            if !atStart, !pendingCR, brokenRecord == nil, inQuotes || !quoteJustClosed {
                var end = index
                var lineBreaks = 0
                if inQuotes {
                    while end < buffer.count, buffer[end] != UInt8(ascii: "\"") {
                        if buffer[end] == 0x0A { lineBreaks += 1 }
                        end += 1
                    }
                } else {
                    while end < buffer.count {
                        let byte = buffer[end]
                        if byte == separator || byte == UInt8(ascii: "\"") || byte == 0x0D || byte == 0x0A { break }
                        end += 1
                    }
                }
                // Up to the field's limit: the byte past it goes through consume, which refuses the record.
                let taken = min(end - index, maxFieldBytes - field.count)
                if taken > 0 {
                    if inQuotes && taken < end - index {
                        lineBreaks = buffer[index..<index + taken].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                    }
                    line += lineBreaks
                    field.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<index + taken]))
                    index += taken
                    continue
                }
            }
            consume(buffer[index], emit: emit)
            index += 1
        }
    }

    /// Ends the input: emits the last record (a final line without a line break is a record too) or the
    /// error for an unterminated quoted field.
    public mutating func finish(emit: (Result<Record, CSVRecordError>) -> Void) {
        if firstRecordBuffer != nil { flushFirstRecord(emit: emit) }
        if inQuotes {
            inQuotes = false
            brokenRecord = brokenRecord ?? .unterminatedQuotedField
            endRecord(emit: emit)
        } else if !field.isEmpty || !fields.isEmpty || quoteJustClosed {
            endRecord(emit: emit)
        }
    }

    private mutating func flushFirstRecord(emit: (Result<Record, CSVRecordError>) -> Void) {
        guard let buffered = firstRecordBuffer else { return }
        firstRecordBuffer = nil
        separator = CSVRecordParser.detectSeparator(in: buffered)
        for byte in buffered { consume(byte, emit: emit) }
    }

    static func detectSeparator(in bytes: [UInt8]) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, 0x09: 0]
        var quoted = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { quoted.toggle() } else if !quoted, counts[byte] != nil { counts[byte]! += 1 }
        }
        let best = counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }
        guard let best, best.value > 0 else { return UInt8(ascii: ",") }
        return best.key
    }

    private mutating func consume(_ byte: UInt8, emit: (Result<Record, CSVRecordError>) -> Void) {
        if atStart {
            atStart = false
            if byte == 0xEF {
                field.append(byte)
                return
            }  // maybe a BOM; checked when the field ends
        }
        if pendingCR {
            pendingCR = false
            if byte == 0x0A {
                line += 1
                endRecord(emit: emit)
                return
            }
            line += 1
            endRecord(emit: emit)
        }
        let separator = self.separator ?? UInt8(ascii: ",")
        if inQuotes {
            if byte == UInt8(ascii: "\"") {
                inQuotes = false
                quoteJustClosed = true
            } else {
                if byte == 0x0A { line += 1 }
                append(byte)
            }
            return
        }
        switch byte {
        case UInt8(ascii: "\""):
            if quoteJustClosed {
                // "" inside a quoted field: a literal quote.
                append(byte)
                inQuotes = true
                quoteJustClosed = false
            } else if field.isEmpty || isOnlyBOM {
                if isOnlyBOM { field.removeAll() }
                inQuotes = true
            } else {
                append(byte)  // a stray quote inside an unquoted field is kept as text, as spreadsheets do
            }
        case separator:
            endField()
        case 0x0D:
            pendingCR = true
        case 0x0A:
            line += 1
            endRecord(emit: emit)
        default:
            quoteJustClosed = false
            append(byte)
        }
    }

    private var isOnlyBOM: Bool { field == [0xEF, 0xBB, 0xBF] }

    private mutating func append(_ byte: UInt8) {
        if brokenRecord != nil { return }
        if field.count >= maxFieldBytes {
            brokenRecord = .fieldTooLong(limit: maxFieldBytes)
            field.removeAll(keepingCapacity: false)
            return
        }
        field.append(byte)
    }

    private mutating func endField() {
        quoteJustClosed = false
        defer { field.removeAll(keepingCapacity: true) }
        if brokenRecord != nil { return }
        if fields.count >= maxFields {
            brokenRecord = .tooManyFields(limit: maxFields)
            fields.removeAll(keepingCapacity: false)
            return
        }
        var bytes = field[...]
        if recordLine == 1 && fields.isEmpty && bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            brokenRecord = .invalidUTF8(field: fields.count + 1)
            return
        }
        fields.append(text)
    }

    private mutating func endRecord(emit: (Result<Record, CSVRecordError>) -> Void) {
        let blankLine = fields.isEmpty && field.isEmpty && !quoteJustClosed && brokenRecord == nil
        if !blankLine { endField() }
        if let reason = brokenRecord {
            emit(.failure(CSVRecordError(line: recordLine, reason: reason)))
        } else if !blankLine {
            emit(.success(Record(fields: fields, line: recordLine)))
        }
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        brokenRecord = nil
        quoteJustClosed = false
        recordLine = line
    }
}

/// A CSV record that could not be read, with the line it starts on.
public struct CSVRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        case fieldTooLong(limit: Int)
        case tooManyFields(limit: Int)
        case unterminatedQuotedField
        case invalidUTF8(field: Int)
    }

    public var line: Int
    public var reason: Reason

    public var description: String {
        switch reason {
        case .fieldTooLong(let limit): "line \(line): a field is longer than \(limit) bytes"
        case .tooManyFields(let limit): "line \(line): more than \(limit) fields"
        case .unterminatedQuotedField: "line \(line): a quoted field is never closed"
        case .invalidUTF8(let field): "line \(line): field \(field) is not valid UTF-8"
        }
    }
}
