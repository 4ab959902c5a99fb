import Testing

@testable import BulkheadMail

@Suite struct EncodingEncodedWordsTests {
    @Test func choosesTheShorterEncoding() {
        // 17 bytes: Q needs 30 characters, B 24.
        #expect(EncodedWords.encode("Grüße aus Köln") == "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=")
        // Mostly ASCII: Q (18) beats B (20).
        #expect(EncodedWords.encode("Hello, wörld!") == "=?UTF-8?Q?Hello,_w=C3=B6rld!?=")
        // A phrase may not keep "," literal (RFC 2047 §5(3)); 20 against 20 keeps Q.
        #expect(EncodedWords.encode("Hello, wörld!", context: .phrase) == "=?UTF-8?Q?Hello=2C_w=C3=B6rld!?=")
        // "=", "?" and "_" cost three characters each in Q: 13 against 12 picks B; with more letters a tie (20 each) keeps Q.
        #expect(EncodedWords.encode("a=b?c_d", context: .text) == "=?UTF-8?B?YT1iP2NfZA==?=")
        #expect(EncodedWords.encode("a=b?c_defghijk", context: .text) == "=?UTF-8?Q?a=3Db=3Fc=5Fdefghijk?=")
        #expect(EncodedWords.encode("") == "")
    }

    @Test func splitsOnWholeCharacters() {
        #expect(
            EncodedWords.encode(String(repeating: "é", count: 30))
                == "=?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?= =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqQ==?=")
        let text = String(repeating: "a", count: 62) + "é" + String(repeating: "b", count: 40)
        let a62 = String(repeating: "a", count: 62)
        #expect(EncodedWords.encode(text) == "=?UTF-8?Q?\(a62)?= =?UTF-8?Q?=C3=A9\(String(repeating: "b", count: 40))?=")
        for word in EncodedWords.encode(text).split(separator: " ") { #expect(word.count <= 75) }
    }

    @Test func splitsAfterSpacesWhenItCan() {
        let text = String(repeating: "Ünïcödé ", count: 12)
        let words = EncodedWords.encode(text, context: .phrase).split(separator: " ")
        #expect(words.count == 4)
        for word in words.dropLast() { #expect(EncodedWords.decode(String(word)) == "Ünïcödé Ünïcödé Ünïcödé ") }
        #expect(EncodedWords.decode(words.joined(separator: " ")) == text)
    }

    @Test func encodeIfNeeded() {
        #expect(EncodedWords.encodeIfNeeded("Plain subject") == "Plain subject")
        #expect(EncodedWords.encodeIfNeeded("looks =?like?= a word") == "=?UTF-8?B?bG9va3MgPT9saWtlPz0gYSB3b3Jk?=")
        #expect(EncodedWords.encodeIfNeeded("tab\tok") == "tab\tok")
        #expect(EncodedWords.encodeIfNeeded("bell\u{7}") == "=?UTF-8?Q?bell=07?=")
    }

    @Test(arguments: [
        ("=?utf-8?q?caf=C3=A9?=", "café"),
        ("=?UTF-8?B?Y2Fmw6k?=", "café"),
        ("=?UTF-8?b?Y2Fmw6k=?=", "café"),
        ("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"),
        ("=?UTF-8?Q?a?=  \t =?UTF-8?Q?_b?=", "a b"),
        ("Re: =?UTF-8?Q?caf=C3=A9?= now", "Re: café now"),
        ("=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "é"),
        ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
        ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("=?ISO-8859-1?Q?=E9?= =?UTF-8?Q?=C3=A9?=", "éé"),
        ("=?windows-1252?Q?=80_5?=", "€ 5"),
        ("=?UTF-8*en?Q?hi?=", "hi"),
        ("=?UTF-8?Q?a=FFb?=", "a\u{FFFD}b"),
        ("=?UTF-8?Q?50=?=", "50="),
        ("=?x-unknown?Q?abc?= tail", "=?x-unknown?Q?abc?= tail"),
        ("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="),
        ("=?UTF-8?Q?abc", "=?UTF-8?Q?abc"),
        ("=?UTF-8?B?!!!?= x", "=?UTF-8?B?!!!?= x"),
        ("=?UTF-8?Q?a b?=", "=?UTF-8?Q?a b?="),
        ("=?=?=?=?UTF-8?Q?x?=", "=?=?=?x"),
        ("no words here", "no words here"),
    ])
    func decodes(encoded: String, text: String) {
        #expect(EncodedWords.decode(encoded) == text)
    }
}
