import ArgumentParser
import BulkheadMail
import Foundation

/// `bulkhead dkim sign`: prints (or writes) the message with a DKIM-Signature field prepended.
struct DKIMSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a message with DKIM.",
        discussion: """
            The key file holds a PEM private key (PKCS#8 or PKCS#1 RSA) or a raw base64 Ed25519 key.

            Example:
              bulkhead dkim sign --key keys/s1.private.pem --domain example.com --selector s1 message.eml > signed.eml
            """
    )

    @Option(help: "Private key file.") var key: String
    @Option(help: "The signing domain (d=).") var domain: String
    @Option(help: "The selector (s=).") var selector: String
    @Option(help: "ed25519 or rsa; must match the key when given.") var algorithm: DKIMAlgorithmArgument?
    @Option(help: "header/body canonicalisation, e.g. relaxed/relaxed (default) or simple/simple.")
    var canonicalization = "relaxed/relaxed"
    @Option(help: "Seconds until the signature expires (x=).") var expiresIn: Int?
    @Option(help: "Write the signed message here instead of stdout.") var output: String?
    @Argument(help: "The message file (.eml).") var message: String

    func run() throws {
        let parts = canonicalization.split(separator: "/").map(String.init)
        guard parts.count == 2, let header = DKIMCanonicalization(rawValue: parts[0]),
            let body = DKIMCanonicalization(rawValue: parts[1])
        else {
            throw DKIMCLI.usage("--canonicalization must be simple|relaxed/simple|relaxed, not \(canonicalization)")
        }
        let privateKey: DKIMKey
        do { privateKey = try DKIMKey(importing: try DKIMCLI.readText(key)) } catch let code as ExitCode { throw code } catch {
            throw DKIMCLI.usage("\(key): \(error)")
        }
        if let algorithm, algorithm.algorithm != privateKey.algorithm {
            throw DKIMCLI.usage("--algorithm \(algorithm.rawValue) does not match the key (\(privateKey.algorithm.rawValue))")
        }
        var configuration = DKIMSignerConfiguration(domain: domain, selector: selector)
        configuration.headerCanonicalization = header
        configuration.bodyCanonicalization = body
        configuration.expiresAfterSeconds = expiresIn
        let bytes = [UInt8](try DKIMCLI.read(message))
        let signed: [UInt8]
        do {
            signed = try DKIMSigner(key: privateKey, configuration: configuration).sign(bytes)
        } catch {
            switch error {
            case .missingFrom, .multipleFrom, .malformedMessage, .signingFailed:
                throw DKIMCLI.fail("\(message): \(error)", code: 1)
            default:
                throw DKIMCLI.usage("\(error)")
            }
        }
        if let output {
            do { try Data(signed).write(to: URL(fileURLWithPath: output)) } catch {
                throw DKIMCLI.fail("cannot write \(output): \(error.localizedDescription)", code: 2)
            }
        } else {
            FileHandle.standardOutput.write(Data(signed))
        }
    }
}
