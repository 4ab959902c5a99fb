import Testing

@testable import BulkheadMail

@Suite struct EncodingPunycodeTests {
    /// RFC 3492 §7.1 sample strings (the Russian one without its mixed-case annotation).
    static let vectors: [(String, String)] = [
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        ("他們爲什麽不說中文", "ihqwctvzc91f659drss3x8bo0yb"),
        ("Pročprostěnemluvíčesky", "Proprostnemluvesky-uyb24dma41a"),
        ("почемужеонинеговорятпорусски", "b1abfaaepdrnnbgefbadotcwatmq2g4l"),
        ("PorquénopuedensimplementehablarenEspañol", "PorqunopuedensimplementehablarenEspaol-fmd56a"),
        ("3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"),
        ("安室奈美恵-with-SUPER-MONKEYS", "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
        ("Hello-Another-Way-それぞれの場所", "Hello-Another-Way--fc4qua05auwb3674vfr0b"),
        ("ひとつ屋根の下2", "2-u9tlzr9756bt3uc0v"),
        ("MajiでKoiする5秒前", "MajiKoi5-783gue6qz075azm5e"),
        ("パフィーdeルンバ", "de-jg4avhby1noc0d"),
        ("そのスピードで", "d9juau41awczczp"),
        ("-> $1.00 <-", "-> $1.00 <--"),
        ("bücher", "bcher-kva"),
    ]

    @Test(arguments: vectors) func rfc3492Vectors(unicode: String, encoded: String) throws {
        #expect(try Punycode.encode(unicode) == encoded)
        #expect(try Punycode.decode(encoded) == unicode)
    }

    @Test func decodesDigitsCaseInsensitively() throws {
        #expect(try Punycode.decode("b1abfaaepdrnnbgefbaDotcwatmq2g4l") == "почемужеонинеговорятпорусски")
    }

    @Test func rejectsBadInput() {
        #expect(throws: PunycodeError.invalidCharacter(offset: 7)) { try Punycode.decode("bcher-k!a") }
        #expect(throws: PunycodeError.invalidCharacter(offset: 1)) { try Punycode.decode("bü-kva") }
        #expect(throws: PunycodeError.truncated) { try Punycode.decode("bcher-kv") }
        #expect(throws: PunycodeError.overflow) { try Punycode.decode("99999999999") }
        #expect(throws: PunycodeError.inputTooLong(1025)) { try Punycode.encode(String(repeating: "é", count: 1025)) }
    }
}
