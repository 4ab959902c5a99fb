import Foundation
import Testing

@Suite struct ConfigCommandTests {
    @Test func validFilePrintsEffectiveSettingsWithSecretsMasked() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        try Data(
            """
            data_directory: /var/lib/bulkhead
            storage:
              backend: postgres
              postgres_url: postgres://bulk:hunter2@db.internal:5432/bulkhead
            identity:
              from: "Shop <news@shop.example>"
              unsubscribe_base_url: https://shop.example
              unsubscribe_key: \(key)
            upstreams:
              - name: relay
                host: smtp.shop.example
                port: 587
                username: news
                password: s3cret-pass

            """.utf8
        ).write(to: directory.appendingPathComponent("deploy.yaml"))
        let result = try CLIRunner.run(["config", "check", "--config", "deploy.yaml"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("# deploy.yaml: valid\n"))
        #expect(!result.stdout.contains("hunter2"))
        #expect(!result.stdout.contains("s3cret-pass"))
        #expect(!result.stdout.contains(key))
        #expect(result.stdout.contains("postgres://bulk:********@db.internal:5432/bulkhead"))
        #expect(result.stdout.components(separatedBy: "********").count - 1 == 3)
        #expect(result.stdout.contains("smtp.shop.example"))
        #expect(!result.stdout.contains("capture mailbox"), "an upstream is configured")
        // Real mail goes out, and nothing here answers its unsubscribe links or its bounces: say so.
        #expect(result.stdout.contains("# note: http.listen is empty: `bulkhead serve` does not answer the one-click unsubscribe links"))
        #expect(result.stdout.contains("# note: inbound.listen is empty: `bulkhead serve` receives no bounces, complaints or unsubscribe mail\n"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(".bulkhead").path), "check creates nothing")
    }

    @Test func aShortSecretIsWarnedAbout() throws {
        let directory = try CLIRunner.temporaryDirectory()
        try Data("upstreams:\n  - {name: relay, host: smtp.example, port: 25, username: u, password: \"25\"}\n".utf8)
            .write(to: directory.appendingPathComponent("bulkhead.yaml"))
        let result = try CLIRunner.run(["config", "check"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "# warning: upstreams[relay].password is shorter than 8 characters: easy to guess, and every occurrence of its text in log lines and error messages is masked\n"
            ))
        #expect(result.stdout.contains("port: 25"), "the port is shown as it is: \(result.stdout)")
    }

    @Test func defaultsAndTheDefaultFileName() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let defaults = try CLIRunner.run(["config", "check"], in: directory)
        #expect(defaults.status == 0, "\(defaults.stderr)")
        #expect(
            defaults.stdout.hasPrefix(
                "# built-in defaults: valid\n# no upstreams: mail goes to the capture mailbox in .bulkhead/capture, nothing leaves the machine\n"))
        #expect(defaults.stdout.contains("backend: sqlite"))

        try Data("delivery:\n  concurrency: 3\n".utf8).write(to: directory.appendingPathComponent("bulkhead.yaml"))
        let file = try CLIRunner.run(["config", "check"], in: directory)
        #expect(file.status == 0)
        #expect(file.stdout.hasPrefix("# bulkhead.yaml: valid\n"))
        #expect(file.stdout.contains("concurrency: 3"))
    }

    @Test func invalidFilesExitOneWithTheSpecificError() throws {
        let directory = try CLIRunner.temporaryDirectory()
        let cases: [(String, String)] = [
            (
                "delivery:\n  concurency: 3\n",
                "bulkhead: bad.yaml: unknown setting \"delivery.concurency\" (allowed here: batch_size, concurrency, control_poll_milliseconds, lease_seconds, max_attempts, retry_base_seconds, retry_max_seconds)\n"
            ),
            ("delivery:\n  concurrency: 0\n", "bulkhead: bad.yaml: delivery.concurrency: must be 1 to 1000\n"),
            (
                "identity:\n  unsubscribe_base_url: http://shop.example\n",
                "bulkhead: bad.yaml: identity.unsubscribe_base_url: must be an https URL (RFC 8058 one-click unsubscribe)\n"
            ),
        ]
        for (yaml, expected) in cases {
            try Data(yaml.utf8).write(to: directory.appendingPathComponent("bad.yaml"))
            let result = try CLIRunner.run(["config", "check", "--config", "bad.yaml"], in: directory)
            #expect(result.status == 1)
            #expect(result.stderr == expected)
            #expect(result.stdout.isEmpty)
        }
        let missing = try CLIRunner.run(["config", "check", "--config", "nowhere.yaml"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.stderr == "bulkhead: nowhere.yaml: cannot read the configuration: no such file: nowhere.yaml\n")
    }
}
