import Foundation
import Testing

@Suite struct DKIMCommandTests {
    @Test(arguments: ["ed25519", "rsa"])
    func keygenSignVerifyAndTamper(algorithm: String) throws {
        let directory = try CLIRunner.temporaryDirectory()
        let keys = directory.appendingPathComponent("keys").path
        let keygen = try CLIRunner.run(["dkim", "keygen", "--algorithm", algorithm, "--domain", "shop.example", "--selector", "s1", "--out", keys])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: keys + "/s1.private.pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let again = try CLIRunner.run(["dkim", "keygen", "--algorithm", algorithm, "--domain", "shop.example", "--selector", "s1", "--out", keys])
        #expect(again.status != 0, "refuses to overwrite a key")

        let sign = try CLIRunner.run([
            "dkim", "sign", "--key", keys + "/s1.private.pem", "--domain", "shop.example", "--selector", "s1", "docs/examples/newsletter.eml",
        ])
        #expect(sign.status == 0, "\(sign.stderr)")
        #expect(sign.stdout.hasPrefix("DKIM-Signature: "))
        let signed = directory.appendingPathComponent("signed.eml")
        try Data(sign.stdout.utf8).write(to: signed)
        let verify = try CLIRunner.run(["dkim", "verify", signed.path, "--dns-record", keys + "/s1.dns.txt"])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("pass"))

        let tampered = directory.appendingPathComponent("tampered.eml")
        try Data(sign.stdout.replacingOccurrences(of: "20% off", with: "90% off").utf8).write(to: tampered)
        let fail = try CLIRunner.run(["dkim", "verify", tampered.path, "--public-key", keys + "/s1.public.pem"])
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("fail"))
    }
}
