import ArgumentParser
import BulkheadMail
import Foundation

/// `bulkhead dkim verify`: exit 0 when every signature passes, 1 on any failure (or none), 2 on
/// usage or I/O errors.
struct DKIMVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the DKIM signatures of a message with a given key (no DNS lookup).",
        discussion: """
            Prints pass/fail per signature. Exit status: 0 all pass, 1 a signature fails or there is none, 2 usage or I/O error.

            Examples:
              bulkhead dkim verify signed.eml --dns-record keys/s1.dns.txt
              bulkhead dkim verify signed.eml --public-key keys/s1.public.pem
            """
    )

    @Argument(help: "The message file (.eml).") var message: String
    @Option(help: "Public key file (PEM, or raw base64 Ed25519).") var publicKey: String?
    @Option(help: "DNS TXT record file (zone-file line or the TXT text).") var dnsRecord: String?

    func run() throws {
        let record: DKIMKeyRecord
        switch (publicKey, dnsRecord) {
        case (let path?, nil):
            do { record = DKIMKeyRecord(publicKey: try DKIMPublicKey(importing: try DKIMCLI.readText(path))) } catch let code as ExitCode {
                throw code
            } catch { throw DKIMCLI.usage("\(path): \(error)") }
        case (nil, let path?):
            do { record = try DKIMKeyRecord(text: try DKIMCLI.readText(path)) } catch let code as ExitCode { throw code } catch {
                throw DKIMCLI.usage("\(path): \(error)")
            }
        default:
            throw DKIMCLI.usage("give exactly one of --public-key and --dns-record")
        }
        let bytes = [UInt8](try DKIMCLI.read(message))
        let results: [DKIMSignatureResult]
        do { results = try DKIMVerifier.verify(bytes, key: record) } catch {
            throw DKIMCLI.fail("\(message): \(error)", code: 1)
        }
        guard !results.isEmpty else { throw DKIMCLI.fail("\(message): no DKIM-Signature field", code: 1) }
        for result in results { print(result) }
        if !results.allSatisfy(\.passed) { throw ExitCode(1) }
    }
}
