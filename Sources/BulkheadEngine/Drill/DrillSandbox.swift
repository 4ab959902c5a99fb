public import BulkheadMail
import BulkheadPolicy
import BulkheadSMTP
public import BulkheadStore
public import Foundation
import Logging

/// One story's throwaway world: the user's configuration with only the data directory, the store
/// and the upstreams replaced — a temporary directory, a fresh SQLite store in it, and the capture
/// mailbox (nothing leaves the machine; the real store is never opened) — on a ``ManualClock``, so
/// undo windows, holds and "noticed after two minutes" pass in no time. Guardrails, relay, lists,
/// identity and DKIM keys stay exactly as configured.
///
/// ```swift
/// let left = try await DrillSandbox.with(configuration) { sandbox in
///     // … replay the accident through sandbox.environment, move sandbox.clock …
///     try sandbox.delivered(to: audience).count
/// }
/// ```
public struct DrillSandbox: Sendable {
    /// The engine over the temporary store and the capture mailbox.
    public let environment: BulkheadEnvironment
    /// The clock of everything in the sandbox.
    public let clock: ManualClock

    /// Runs `body` in a new sandbox for `configuration`; the sandbox's directory is removed afterwards.
    public static func with<T>(_ configuration: BulkheadConfiguration, _ body: (DrillSandbox) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-drill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock()
        let logger = Logger(label: "bulkhead.drill") { _ in SwiftLogNoOpLogHandler() }
        let environment = try await BulkheadEnvironment.open(Self.configuration(configuration, directory: directory), logger: logger, clock: clock)
        do {
            let value = try await body(DrillSandbox(environment: environment, clock: clock))
            await environment.close()
            return value
        } catch {
            await environment.close()
            throw error
        }
    }

    /// `user` with its data directory at `directory`, SQLite there, no upstream (the capture
    /// mailbox), and key files that were relative to the user's data directory made absolute.
    static func configuration(_ user: BulkheadConfiguration, directory: String) -> BulkheadConfiguration {
        var sandboxed = user
        sandboxed.dataDirectory = directory
        sandboxed.storage = BulkheadConfiguration.Storage()
        sandboxed.upstreams = []
        sandboxed.dkim = user.dkim.map { key in
            BulkheadConfiguration.DKIM(domain: key.domain, selector: key.selector, privateKeyFile: user.path(key.privateKeyFile))
        }
        sandboxed.dkimKeys = user.dkimKeys.mapValues { key in
            BulkheadConfiguration.DKIM(domain: key.domain, selector: key.selector, privateKeyFile: user.path(key.privateKeyFile))
        }
        return sandboxed
    }

    /// Moves the clock to `date` (waking whatever sleeps until then).
    public func advance(to date: Date) {
        clock.advance(to: WallTime(date))
    }

    /// `count` addresses `PREFIX-N@DOMAIN` (from 1), for a story's audience.
    public static func audience(_ count: Int, prefix: String, domain: String = "example.net") -> [String] {
        (0..<count).map { "\(prefix)-\($0 + 1)@\(domain)" }
    }

    /// Makes `addresses` confirmed members of `list` with a consent record, as an import would.
    public func addMembers(_ addresses: [String], to list: ListID) async throws {
        let consent = ImportConsent(defaultStatus: .confirmed, source: "bulkhead drill")
        for start in stride(from: 0, to: addresses.count, by: 1_000) {
            let rows = try addresses[start..<min(addresses.count, start + 1_000)].map { ImportRow(address: try NormalizedAddress($0)) }
            _ = try await environment.store.importSubscribers(rows, into: list, importID: "drill", consent: consent)
        }
    }

    /// The copies in the capture mailbox whose envelope recipient is one of `audience`, parsed. The
    /// engine's notices to a sender (`Auto-Submitted: auto-replied`: a held message's, a storm's) are
    /// not counted, nor anything mailed to others (alerts).
    public func delivered(to audience: Set<String>) throws -> [DeliveredCopy] {
        let wanted = Set(audience.map { $0.lowercased() })
        return try captured { wanted.contains($0) }.filter { !$0.isAutoReply }
    }

    /// Every copy in the capture mailbox whose envelope recipient (lower-cased) `recipient` accepts, parsed.
    public func captured(where recipient: (String) -> Bool = { _ in true }) throws -> [DeliveredCopy] {
        let mailbox = CaptureMailbox(directory: environment.captureDirectory)
        return try mailbox.list(offset: 0, limit: Int.max).items.filter { recipient($0.recipient.lowercased()) }.map { info in
            DeliveredCopy(recipient: info.recipient.lowercased(), message: try? MIMEParser().parse(try mailbox.read(id: info.id).bytes))
        }
    }

    /// The distinct external people whose address one of `copies` shows (To, Cc, Resent-To, Resent-Cc)
    /// to a recipient other than themselves. A copy that does not parse exposes nobody it can name.
    public func exposed(in copies: [DeliveredCopy]) throws -> Set<String> {
        let local = try LocalDomains(environment.inboundDomains)
        var people = Set<String>()
        for copy in copies {
            guard let message = copy.message else { continue }
            let visible = RelayMessage(parsing: message, envelopeRecipients: [copy.recipient], sender: .mailFrom(""), localDomains: local)
            for mailbox in visible.visibleRecipients where !local.contains(mailbox.domain) {
                let address = mailbox.address.lowercased()
                if address != copy.recipient { people.insert(address) }
            }
        }
        return people
    }
}

/// One message that reached a story's audience in the capture mailbox.
public struct DeliveredCopy: Sendable {
    /// The envelope recipient, lower-cased.
    public var recipient: String
    /// The copy, parsed (nil when it does not parse).
    public var message: MIMEEntity?

    /// Whether it is an automatic reply (`Auto-Submitted: auto-replied`): a notice to a sender, or an auto-responder's reply.
    public var isAutoReply: Bool {
        message?.headers["Auto-Submitted"].map { $0.trimmingCharacters(in: .whitespaces).lowercased() == "auto-replied" } ?? false
    }
}
