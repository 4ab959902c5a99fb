import PropertyBased
import Testing

@testable import BulkheadEngine

@Suite struct CSVRecordParserTests {
    private func parse(_ text: String, chunk: Int = .max, parser: CSVRecordParser = CSVRecordParser()) -> [Result<
        CSVRecordParser.Record, CSVRecordError
    >] {
        var parser = parser
        var out: [Result<CSVRecordParser.Record, CSVRecordError>] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, min(chunk, bytes.count)))
            parser.feed(bytes[start..<end]) { out.append($0) }
            start = end
        }
        parser.finish { out.append($0) }
        return out
    }

    private func records(_ text: String, chunk: Int = .max) -> [[String]] {
        parse(text, chunk: chunk).compactMap { try? $0.get().fields }
    }

    @Test func readsQuotedFieldsEmbeddedSeparatorsAndNewlines() throws {
        let text = "email,name,note\r\nada@example.com,\"Lovelace, Ada\",\"two\nlines\"\r\n\"b@example.com\",\"say \"\"hi\"\"\",\n"
        let results = parse(text)
        let got = try results.map { try $0.get() }
        #expect(
            got.map(\.fields) == [
                ["email", "name", "note"],
                ["ada@example.com", "Lovelace, Ada", "two\nlines"],
                ["b@example.com", "say \"hi\"", ""],
            ])
        #expect(got.map(\.line) == [1, 2, 4])
    }

    @Test func sameRecordsWhateverTheChunkSize() {
        let text = "\u{FEFF}email;name\n\"x@example.com\";\"A;B\"\r\ny@example.com;Ünïcode\rz@example.com;last"
        let whole = records(text)
        #expect(whole == [["email", "name"], ["x@example.com", "A;B"], ["y@example.com", "Ünïcode"], ["z@example.com", "last"]])
        for chunk in 1...7 {
            #expect(records(text, chunk: chunk) == whole, "chunk size \(chunk)")
        }
    }

    @Test func detectsSeparators() {
        #expect(records("email\tname\na@x.io\tA\n") == [["email", "name"], ["a@x.io", "A"]])
        #expect(records("email\na@x.io\n") == [["email"], ["a@x.io"]])
    }

    @Test func badRecordsAreReportedWithLinesAndReadingGoesOn() throws {
        let parser = CSVRecordParser(separator: UInt8(ascii: ","), maxFieldBytes: 16, maxFields: 3)
        let text = "email,n\nshort,ok\nthisfieldistoolong,x\na,b,c,d\nlast,row\n\"never closed\n"
        let results = parse(text, parser: parser)
        #expect(results.count == 6)
        #expect(try results[0].get().fields == ["email", "n"])
        #expect(try results[1].get().fields == ["short", "ok"])
        #expect(results[2] == .failure(CSVRecordError(line: 3, reason: .fieldTooLong(limit: 16))))
        #expect(results[3] == .failure(CSVRecordError(line: 4, reason: .tooManyFields(limit: 3))))
        #expect(try results[4].get() == CSVRecordParser.Record(fields: ["last", "row"], line: 5))
        #expect(results[5] == .failure(CSVRecordError(line: 6, reason: .unterminatedQuotedField)))
    }

    @Test func invalidUTF8IsARowError() throws {
        var parser = CSVRecordParser(separator: UInt8(ascii: ","))
        var out: [Result<CSVRecordParser.Record, CSVRecordError>] = []
        parser.feed(Array("a,b\n".utf8) + [0x61, 0xFF, 0x2C, 0x62, 0x0A] + Array("c,d\n".utf8)) { out.append($0) }
        parser.finish { out.append($0) }
        #expect(out.count == 3)
        #expect(out[1] == .failure(CSVRecordError(line: 2, reason: .invalidUTF8(field: 1))))
        #expect(try out[2].get().fields == ["c", "d"])
    }

    @Test func roundTripsRandomTables() async {
        let cell = Gen.oneOf(
            Gen.letterOrNumber, Gen.always(Character(",")), Gen.always(Character("\"")), Gen.always(Character("\n")), Gen.always(Character("é"))
        ).string(of: 0...6)
        await propertyCheck(count: 200, input: cell.array(of: 1...4).array(of: 1...5), Gen.int(in: 1...9)) { table, chunk in
            let width = table[0].count
            let rows = table.map { row in (row + Array(repeating: "", count: width)).prefix(width).map { $0 } }
            let text =
                rows.map { row in
                    row.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
                }.joined(separator: "\r\n") + "\r\n"
            #expect(records(text, chunk: chunk) == rows)
        }
    }

    /// Contiguous chunks take the run-at-once path; a byte sequence without contiguous storage goes
    /// byte by byte. Both must read any input alike: quotes, separators, CR/LF, a BOM, invalid UTF-8,
    /// fields past the limit, and every chunk size.
    @Test func runsAtOnceReadAsByteByByte() async {
        let bytes: [UInt8] = [
            UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\""), 0x0D, 0x0A, 0x09, 0xEF, 0xBB, 0xBF,
            0xFF, 0xC3, 0xA9,
        ]
        let input = Gen.int(in: 0...(bytes.count - 1)).map { bytes[$0] }.array(of: 0...60)
        await propertyCheck(count: 500, input: input, Gen.int(in: 1...9), Gen.int(in: 1...6)) { text, chunk, limit in
            func read(contiguous: Bool) -> [Result<CSVRecordParser.Record, CSVRecordError>] {
                var parser = CSVRecordParser(maxFieldBytes: limit, maxFields: 4)
                var out: [Result<CSVRecordParser.Record, CSVRecordError>] = []
                var start = 0
                while start < text.count {
                    let end = min(text.count, start + chunk)
                    if contiguous {
                        parser.feed(text[start..<end]) { out.append($0) }
                    } else {
                        parser.feed(text[start..<end].lazy.map { $0 }) { out.append($0) }
                    }
                    start = end
                }
                parser.finish { out.append($0) }
                return out
            }
            #expect(read(contiguous: true) == read(contiguous: false), "\(text) in chunks of \(chunk), fields up to \(limit) bytes")
        }
    }
}

@Suite struct SubscriberColumnsTests {
    @Test func mapsCommonExportLayouts() throws {
        let mailchimp = try SubscriberColumns(header: [
            "Email Address", "First Name", "Last Name", "Address", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME",
        ])
        #expect(mailchimp.email == 0 && mailchimp.firstName == 1 && mailchimp.lastName == 2)
        #expect(mailchimp.consentTime == 4 && mailchimp.consentIP == 5)
        #expect(mailchimp.extra == [3: "Address", 6: "CONFIRM_TIME"])
        let listmonk = try SubscriberColumns(header: ["email", "name", "attributes"])
        #expect(listmonk.attributesJSON == 2 && listmonk.name == 1)
        let sheet = try SubscriberColumns(header: ["E-Mail", "full_name", "Status"])
        #expect(sheet.email == 0 && sheet.name == 1 && sheet.status == 2)
    }

    @Test func refusesHeadersWithoutEmailOrWithTwins() {
        #expect(throws: SubscriberImportError.noEmailColumn(header: ["name", "city"])) { try SubscriberColumns(header: ["name", "city"]) }
        #expect(throws: SubscriberImportError.duplicateColumn("E-mail", firstAt: 1, againAt: 2)) {
            try SubscriberColumns(header: ["email", "E-mail"])
        }
    }
}
