import ArgumentParser
import BulkheadMail
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bulkhead dkim keygen`: writes SELECTOR.private.pem (0600), SELECTOR.public.pem, SELECTOR.dns.txt.
struct DKIMKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a DKIM key pair and its DNS TXT record.",
        discussion: """
            Writes SELECTOR.private.pem (PKCS#8, mode 0600), SELECTOR.public.pem and SELECTOR.dns.txt (a zone-file line) into the output directory. Existing files are kept unless --force.

            Example:
              bulkhead dkim keygen --algorithm ed25519 --domain example.com --selector s1 --out keys/
            """
    )

    @Option(help: "ed25519 or rsa.") var algorithm: DKIMAlgorithmArgument
    @Option(help: "RSA key size in bits (1024 or more).") var bits = 2048
    @Option(help: "The signing domain (d=).") var domain: String
    @Option(help: "The selector (s=).") var selector: String
    @Option(help: "Directory to write the files into.") var out: String
    @Flag(help: "Overwrite existing files.") var force = false

    func run() throws {
        guard domain.utf8.allSatisfy({ $0 > 32 && $0 < 127 }), !domain.isEmpty else { throw DKIMCLI.usage("invalid --domain \(domain)") }
        guard selector.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") }), !selector.isEmpty else {
            throw DKIMCLI.usage("invalid --selector \(selector)")
        }
        // Check the names with the signer's own rules before writing anything.
        let key: DKIMKey
        do {
            key = try DKIMKey.generate(algorithm == .ed25519 ? .ed25519 : .rsa(bits: bits))
            _ = try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: domain, selector: selector))
        } catch {
            throw DKIMCLI.usage("\(error)")
        }
        let directory = URL(fileURLWithPath: out)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw DKIMCLI.fail("cannot create \(out): \(error.localizedDescription)", code: 2)
        }
        let files: [(name: String, text: String, mode: mode_t)] = [
            ("\(selector).private.pem", key.pkcs8PEM, 0o600),
            ("\(selector).public.pem", key.publicKey.pem, 0o644),
            ("\(selector).dns.txt", key.publicKey.dnsRecord(selector: selector, domain: domain) + "\n", 0o644),
        ]
        if !force {
            for file in files where FileManager.default.fileExists(atPath: directory.appendingPathComponent(file.name).path) {
                throw DKIMCLI.fail("\(directory.appendingPathComponent(file.name).path) exists (use --force to overwrite)", code: 2)
            }
        }
        for file in files {
            try write(file.text, to: directory.appendingPathComponent(file.name).path, mode: file.mode)
        }
        print("wrote \(files.map { directory.appendingPathComponent($0.name).path }.joined(separator: ", "))")
    }

    /// Creates the file with `mode` from the start (never readable by others, even briefly).
    private func write(_ text: String, to path: String, mode: mode_t) throws {
        if force { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw DKIMCLI.fail("cannot create \(path): \(String(cString: strerror(errno)))", code: 2) }
        defer { close(fd) }
        fchmod(fd, mode)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw DKIMCLI.fail("cannot write \(path): \(String(cString: strerror(errno)))", code: 2) }
            written += n
        }
    }
}
