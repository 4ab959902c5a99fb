import ArgumentParser
import BulkheadEngine
import Foundation

/// `bulkhead config check`: validates the file and prints the effective settings, secrets masked.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and print the effective settings (secrets masked).",
        discussion: """
            Reads --config FILE (default ./bulkhead.yaml, or the built-in defaults when it does not exist), \
            applies the environment's secret overrides (BULKHEAD_POSTGRES_URL, BULKHEAD_UNSUBSCRIBE_KEY, \
            BULKHEAD_UPSTREAM_<NAME>_PASSWORD) and checks every value. Passwords, keys and the password in the \
            PostgreSQL URL are printed as ********.

            Exit status: 0 valid, 1 invalid or unreadable (the specific setting and reason on stderr).

            Examples:
              bulkhead config check
              bulkhead config check --config deploy/bulkhead.yaml
            """
    )

    @OptionGroup var config: ConfigOption

    func run() async throws {
        let loaded = try config.load()
        let source =
            config.path
            ?? (FileManager.default.fileExists(atPath: BulkheadConfiguration.defaultFileName)
                ? BulkheadConfiguration.defaultFileName : "built-in defaults")
        print("# \(source): valid")
        if loaded.upstreams.isEmpty {
            print("# no upstreams: mail goes to the capture mailbox in \(loaded.path("capture")), nothing leaves the machine")
        } else {
            // Real mail carries links and a return path: say when nothing here answers them.
            if loaded.http.listen.isEmpty {
                print(
                    "# note: http.listen is empty: `bulkhead serve` does not answer the one-click unsubscribe links (\(loaded.identity.unsubscribeBaseURL)/u/…) of the mail it sends"
                )
            }
            if loaded.inbound.listen.isEmpty {
                print("# note: inbound.listen is empty: `bulkhead serve` receives no bounces, complaints or unsubscribe mail")
            }
        }
        if !loaded.relay.listen.isEmpty {
            // Anyone in these networks relays without a password: say so when they reach past this host.
            let wide = loaded.relay.allowNetworks.filter { $0.prefixLength < ($0.bytes.count == 4 ? 24 : 64) }
            if !wide.isEmpty {
                print(
                    "# warning: relay.allow_networks lets every client in \(wide.map(\.description).joined(separator: ", ")) relay without AUTH: keep it to the hosts that submit mail"
                )
            }
            if loaded.relay.breaker.messages == 0 {
                print("# warning: relay.breaker.messages is 0: no per-sender breaker stops a script or tool gone wrong")
            }
        }
        for name in loaded.shortSecrets {
            print(
                "# warning: \(name) is shorter than \(SecretRedactor.shortLength) characters: easy to guess, and every occurrence of its text in log lines and error messages is masked"
            )
        }
        let settings = loaded.effectiveSettingsMasked()
        print(settings, terminator: settings.hasSuffix("\n") ? "" : "\n")
    }
}
