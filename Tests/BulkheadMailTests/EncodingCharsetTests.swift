import Testing

@testable import BulkheadMail

@Suite struct EncodingCharsetTests {
    @Test func decodesSingleByteCharsets() throws {
        #expect(try Charset.decode([0x63, 0x61, 0x66, 0xE9], charset: "ISO-8859-1") == "café")
        #expect(try Charset.decode([0x63, 0x61, 0x66, 0xE9], charset: "latin1") == "café")
        #expect(try Charset.decode([0x80, 0x20, 0x93, 0x94], charset: "cp1252") == "€ \u{201C}\u{201D}")
        #expect(try Charset.decode([0xA4], charset: "iso-8859-15") == "€")
        #expect(try Charset.decode([0xA4], charset: "ISO_8859-1") == "¤")
        #expect(try Charset.decode([0xB9, 0xE6], charset: "iso8859-2") == "šć")
        #expect(try Charset.decode([0xCF, 0xF0, 0xE8], charset: "windows-1251") == "При")
        #expect(try Charset.decode([0xE0], charset: "iso-8859-8") == "א")
        #expect(try Charset.decode([0xA1], charset: "iso-8859-11") == "ก")
        #expect(try Charset.decode([0xAA], charset: "iso-8859-16") == "Ș")
    }

    @Test func strictErrorsCarryOffsets() {
        #expect(throws: CharsetError.invalidBytes(charset: "windows-1252", offset: 2)) {
            try Charset.decode([0x61, 0x62, 0x81], charset: "windows-1252")
        }
        #expect(throws: CharsetError.invalidBytes(charset: "us-ascii", offset: 1)) { try Charset.decode([0x61, 0xC3], charset: "us-ascii") }
        #expect(throws: CharsetError.invalidBytes(charset: "utf-8", offset: 1)) { try Charset.decode([0x61, 0xC3, 0x28], charset: "utf-8") }
        #expect(throws: CharsetError.invalidBytes(charset: "utf8", offset: 0)) { try Charset.decode([0xC0, 0xAF], charset: "utf8") }
        #expect(throws: CharsetError.invalidBytes(charset: "UTF-8", offset: 2)) {
            try Charset.decode([0x61, 0x62, 0xED, 0xA0, 0x80], charset: "UTF-8")
        }
        #expect(throws: CharsetError.invalidBytes(charset: "utf-8", offset: 0)) { try Charset.decode([0xF4, 0x90, 0x80, 0x80], charset: "utf-8") }
        #expect(throws: CharsetError.invalidBytes(charset: "utf-8", offset: 1)) { try Charset.decode([0x61, 0xE2, 0x82], charset: "utf-8") }
        #expect(throws: CharsetError.unsupported("koi8-r")) { try Charset.decode([0x61], charset: "koi8-r") }
        #expect(CharsetError.invalidBytes(charset: "utf-8", offset: 3).description == "offset 3: invalid utf-8 byte sequence")
    }

    @Test func decodesUTF8AndASCII() throws {
        #expect(try Charset.decode(Array("Grüße 😀".utf8), charset: "UTF-8") == "Grüße 😀")
        #expect(try Charset.decode(Array("plain".utf8), charset: "ANSI_X3.4-1968") == "plain")
    }

    @Test func lossyDecodingReplaces() throws {
        #expect(try Charset.decodeLossy([0x61, 0xFF, 0x62], charset: "utf-8") == "a\u{FFFD}b")
        #expect(try Charset.decodeLossy([0x61, 0x81], charset: "cp1252") == "a\u{FFFD}")
        #expect(try Charset.decodeLossy([0xE9], charset: "ascii") == "\u{FFFD}")
        #expect(throws: CharsetError.unsupported("x")) { try Charset.decodeLossy([0x61], charset: "x") }
    }

    @Test func namesAndAliases() {
        for name in [
            "utf-8", "UTF8", "ascii", "US-ASCII", "ansi_x3.4-1968", "latin1", "Latin-2", "cp1252", "Windows-1258",
            "iso-8859-11", "ISO8859-15", "iso_8859-16",
        ] {
            #expect(Charset.isSupported(name), "\(name)")
        }
        for name in ["iso-8859-12", "utf-16", "", "latin11"] { #expect(!Charset.isSupported(name), "\(name)") }
        #expect(Charset.supportedNames.count == 26)
        #expect(Charset.supportedNames.allSatisfy(Charset.isSupported))
    }
}
