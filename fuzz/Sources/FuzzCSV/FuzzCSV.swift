// libFuzzer target: the subscriber import's CSV reader (CSVRecordParser), as SubscriberImporter
// drives it (separator detected, default limits) and with small limits.
// Invariants: reads of any size give the same records, and the same as a byte-by-byte read; no record breaks the limits; line numbers
// never go back; the records written out again as quoted CSV read back the same.
import BulkheadEngine

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private typealias Outcome = Result<CSVRecordParser.Record, CSVRecordError>

private func read(_ bytes: UnsafeBufferPointer<UInt8>, parser template: CSVRecordParser, period: Int) -> [Outcome] {
    var parser = template
    var outcomes: [Outcome] = []
    var offset = 0
    var size = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + size)
        parser.feed(bytes[offset..<end]) { outcomes.append($0) }
        offset = end
        size = size % period + 1
    }
    parser.finish { outcomes.append($0) }
    return outcomes
}

/// The same read one byte at a time through a sequence without contiguous storage: the reader's
/// byte-by-byte path, the reference for its run-at-once path over contiguous chunks.
private func readByteByByte(_ bytes: UnsafeBufferPointer<UInt8>, parser template: CSVRecordParser) -> [Outcome] {
    var parser = template
    var outcomes: [Outcome] = []
    parser.feed(bytes.lazy.map { $0 }) { outcomes.append($0) }
    parser.finish { outcomes.append($0) }
    return outcomes
}

private func checkLimits(_ outcomes: [Outcome], parser: CSVRecordParser) {
    var lastLine = 0
    for outcome in outcomes {
        let line: Int
        switch outcome {
        case .success(let record):
            line = record.line
            check(record.fields.count <= parser.maxFields, "\(record.fields.count) fields over \(parser.maxFields)")
            for field in record.fields {
                check(field.utf8.count <= parser.maxFieldBytes, "field of \(field.utf8.count) octets over \(parser.maxFieldBytes)")
            }
        case .failure(let error):
            line = error.line
            _ = error.description
        }
        check(line >= 1 && line >= lastLine, "line \(line) after line \(lastLine)")
        lastLine = line
    }
}

/// The records written as CSV with every field quoted, CRLF line ends.
private func written(_ records: [[String]], separator: UInt8) -> [UInt8] {
    var bytes: [UInt8] = []
    for record in records {
        for (index, field) in record.enumerated() {
            if index > 0 { bytes.append(separator) }
            bytes.append(UInt8(ascii: "\""))
            for byte in field.utf8 {
                if byte == UInt8(ascii: "\"") { bytes.append(byte) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes += [0x0D, 0x0A]
    }
    return bytes
}

private let small = CSVRecordParser(maxFieldBytes: 16, maxFields: 4)
private let semicolon = CSVRecordParser(separator: UInt8(ascii: ";"))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for template in [CSVRecordParser(), small, semicolon] {
        let whole = read(bytes, parser: template, period: Int.max - 1)
        let pieces = read(bytes, parser: template, period: 5)
        check(whole == pieces, "records differ by read size")
        check(whole == readByteByByte(bytes, parser: template), "records differ between runs at once and bytes one by one")
        checkLimits(whole, parser: template)
    }
    // round trip: the records read with a known separator, written again, read the same
    let separator = UInt8(ascii: ",")
    let records = read(bytes, parser: CSVRecordParser(separator: separator), period: Int.max - 1).compactMap { try? $0.get().fields }
    // a byte-order mark opening the first field is dropped on reading, also from a quoted field
    if records.first?.first?.unicodeScalars.first == "\u{FEFF}" { return 0 }
    let again = written(records, separator: separator)
    let reread = again.withUnsafeBufferPointer { read($0, parser: CSVRecordParser(separator: separator), period: Int.max - 1) }
    let rereadFields = reread.compactMap { try? $0.get().fields }
    check(reread.count == records.count && rereadFields == records, "records written as CSV read back differently")
    return 0
}
