import BulkheadTestSupport
import Foundation
import Testing

@testable import BulkheadMail

/// Interop with dkimpy (`import dkim`), through the interpreter named by BULKHEAD_PYTHON
/// (default python3). A missing interpreter or module fails the test.
@Suite(.serialized) struct DKIMInteropTests {
    static func python(_ arguments: [String]) throws -> String {
        let script = Bundle.module.url(forResource: "dkimpy_interop", withExtension: "py", subdirectory: "Fixtures/dkim")
        let output = try PythonPeer.run(script, arguments: arguments, needs: "dkimpy, and pynacl for ed25519")
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-dkim-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        return url
    }

    static func dkimpyVerdict(_ message: [UInt8], _ key: DKIMPublicKey) throws -> String {
        let messageFile = try temporaryFile(message)
        let recordFile = try temporaryFile(Array(key.dnsRecord(selector: "s1", domain: "example.com").utf8))
        defer {
            try? FileManager.default.removeItem(at: messageFile)
            try? FileManager.default.removeItem(at: recordFile)
        }
        return try python(["verify", messageFile.path, recordFile.path])
    }

    /// Folded headers, a non-ASCII UTF-8 Subject and From name, trailing blank lines, over-signed From.
    static let message = Array(
        """
        From: =?utf-8?q?J=C3=BCrgen?= <juergen@example.com>\r
        To: Ann <ann@example.net>,\r
        \tBob <bob@example.net>\r
        Subject: Grüße aus Köln —  a   UTF-8 subject\r
        \t that is folded\r
        Date: Tue, 14 Nov 2023 22:13:20 +0000\r
        Message-ID: <interop@example.com>\r
        List-Unsubscribe: <https://example.com/u/1>\r
        List-Unsubscribe-Post: List-Unsubscribe=One-Click\r
        \r
        Hallo  Ann, \t\r
        \r
        Grüße.\r
        \r
        \r

        """.utf8)

    static let keys: [DKIMKey] = {
        // Force-unwrap-free: generation failures surface as a test failure through `try` below.
        [(try? DKIMKey(ed25519Base64: DKIMFixtures.rfc8463Seed)), (try? DKIMKey.generate(.rsa(bits: 2048)))].compactMap { $0 }
    }()

    @Test(arguments: [DKIMCanonicalization.relaxed, .simple])
    func bulkheadSignsDkimpyVerifies(canonicalization: DKIMCanonicalization) throws {
        #expect(Self.keys.count == 2)
        for key in Self.keys {
            let signer = try DKIMFixtures.signer(key) {
                $0.headerCanonicalization = canonicalization
                $0.bodyCanonicalization = canonicalization
            }
            let signed = try signer.sign(Self.message)
            #expect(String(decoding: signed, as: UTF8.self).contains("h=from:from:"))
            #expect(try Self.dkimpyVerdict(signed, key.publicKey) == "pass", "\(key.algorithm) \(canonicalization)")
            let tamperedBody = DKIMFixtures.replacing("Grüße.", with: "Grüsse.", in: signed)
            #expect(try Self.dkimpyVerdict(tamperedBody, key.publicKey) == "fail")
            let tamperedHeader = DKIMFixtures.replacing("To: Ann", with: "To: Eve", in: signed)
            #expect(try Self.dkimpyVerdict(tamperedHeader, key.publicKey) == "fail")
            // Bare-LF form of the signed message: dkimpy reads it as CRLF too.
            #expect(try Self.dkimpyVerdict(DKIMFixtures.replacing("\r\n", with: "\n", in: signed), key.publicKey) == "pass")
        }
    }

    @Test(arguments: ["relaxed/relaxed", "simple/simple", "relaxed/simple"])
    func dkimpySignsBulkheadVerifies(canonicalization: String) throws {
        #expect(Self.keys.count == 2)
        for key in Self.keys {
            let keyText = key.ed25519Base64 ?? key.rsaPKCS1PEM ?? ""
            let messageFile = try Self.temporaryFile(Self.message)
            let keyFile = try Self.temporaryFile(Array(keyText.utf8))
            let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-dkim-\(UUID().uuidString)")
            defer {
                for url in [messageFile, keyFile, outFile] { try? FileManager.default.removeItem(at: url) }
            }
            #expect(
                try Self.python([
                    "sign", messageFile.path, keyFile.path, "s1", "example.com",
                    key.algorithm.rawValue, canonicalization, outFile.path,
                ]) == "signed")
            let signed = [UInt8](try Data(contentsOf: outFile))
            let record = try DKIMKeyRecord(text: key.publicKey.txtRecordValue)
            let results = try DKIMVerifier.verify(signed, key: record)
            #expect(results.map(\.result) == [.pass], "\(key.algorithm) \(canonicalization)")
            let tamperedBody = DKIMFixtures.replacing("Hallo", with: "Hello", in: signed)
            #expect(try DKIMVerifier.verify(tamperedBody, key: record).map(\.result) == [.fail(.bodyHashMismatch)])
            let tamperedHeader = DKIMFixtures.replacing("Message-ID: <interop", with: "Message-ID: <forged", in: signed)
            #expect(try DKIMVerifier.verify(tamperedHeader, key: record).map(\.result) == [.fail(.signatureMismatch)])
        }
    }

    /// dkimpy's l= signature: honoured, and reported as a weakness once text is appended.
    @Test func bodyLengthTagIsHonouredAndReported() throws {
        let key = try DKIMKey(ed25519Base64: DKIMFixtures.rfc8463Seed)
        let messageFile = try Self.temporaryFile(Self.message)
        let keyFile = try Self.temporaryFile(Array((key.ed25519Base64 ?? "").utf8))
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-dkim-\(UUID().uuidString)")
        defer {
            for url in [messageFile, keyFile, outFile] { try? FileManager.default.removeItem(at: url) }
        }
        #expect(
            try Self.python([
                "sign", messageFile.path, keyFile.path, "s1", "example.com",
                "ed25519-sha256", "relaxed/relaxed", outFile.path, "length",
            ]) == "signed")
        let signed = [UInt8](try Data(contentsOf: outFile))
        let record = DKIMKeyRecord(publicKey: key.publicKey)
        let canonicalLength = DKIMCanonicalization.relaxed.canonicalizeBody(
            Array(String(decoding: Self.message, as: UTF8.self).components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n").utf8)
        ).count
        let plain = try DKIMVerifier.verify(signed, key: record).first
        #expect(plain?.result == .pass)
        #expect(plain?.weaknesses == [.bodyLengthLimit(signedBytes: canonicalLength, unsignedBytes: 0)])
        let appended = try DKIMVerifier.verify(signed + Array("Appended by someone else.\r\n".utf8), key: record).first
        #expect(appended?.result == .pass)
        // 27 appended bytes, plus the two trailing empty lines (4 bytes) that now precede text.
        #expect(appended?.weaknesses == [.bodyLengthLimit(signedBytes: canonicalLength, unsignedBytes: 31)])
    }
}
