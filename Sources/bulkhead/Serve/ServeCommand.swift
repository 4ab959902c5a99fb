import ArgumentParser
import BulkheadEngine
import BulkheadSMTP
import BulkheadStore
import BulkheadWeb
import Foundation

/// `bulkhead serve`: the long-running engine on the embedded default.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Run the engine: deliver campaigns that are sending or in their canary (and scheduled ones when due), end canary holds, retry deferred recipients.",
        discussion: """
            On the embedded default (no configuration file) state lives in .bulkhead/ (SQLite) and every
            message goes to the capture mailbox there: nothing leaves the machine. Stop with Ctrl-C: messages in
            flight complete, claimed but unsent recipients go back to the queue.

            With http.listen set, it also serves the one-click unsubscribe links of every message
            (GET /u/TOKEN shows a button, POST /u/TOKEN with List-Unsubscribe=One-Click unsubscribes);
            put a TLS reverse proxy for identity.unsubscribe_base_url in front of it. The same listener
            serves GET /metrics (Prometheus), /health and /ready (the store answers).

            With webhooks: set, it POSTs signed events to each URL (see `bulkhead webhook`).

            Examples:
              bulkhead serve
              bulkhead serve --config bulkhead.yaml --once     # one pass over due work, then exit
            """
    )

    @OptionGroup var config: ConfigOption
    /// Accepted as it always was; the engine's own changes are audited as `system`.
    @OptionGroup var actor: ActorOption
    @Flag(help: "Make one pass over the due work and exit.") var once = false
    @Option(help: "Seconds between passes.") var interval: Double = 1

    /// The longest `--interval` (a year, in seconds).
    static let longestInterval: Double = 365 * 86_400

    func run() async throws {
        // A NaN, infinite or vast interval trapped when the first wait turned it into milliseconds.
        guard interval > 0, interval <= Self.longestInterval else {
            throw ValidationError("--interval must be positive and at most \(Int(Self.longestInterval)) seconds (a year)")
        }
        try await config.withEnvironment { environment in
            let destination =
                environment.configuration.upstreams.isEmpty
                ? "the capture mailbox \(environment.captureDirectory) (nothing leaves this machine)"
                : "\(environment.configuration.upstreams.count) upstream(s)"
            FileHandle.standardError.write(
                Data("bulkhead serve: data in \(environment.configuration.dataDirectory), delivering to \(destination)\n".utf8))
            if let warning = OpenFileLimit.apply(needed: OpenFileLimit.needed(environment.configuration)) {
                FileHandle.standardError.write(Data("bulkhead serve: warning: \(warning)\n".utf8))
            }
            let worker = Task {
                while !Task.isCancelled {
                    do {
                        try await pass(environment)
                    } catch is CancellationError {
                        return
                    } catch {
                        FileHandle.standardError.write(Data("bulkhead serve: \(error)\n".utf8))
                    }
                    if once { return }
                    try? await environment.clock.sleep(for: .milliseconds(Int64(interval * 1_000)))
                }
            }
            // A listener that cannot run (its port taken, say) stops the whole command: unsubscribe links
            // that lead nowhere must not go unnoticed.
            let web = startWeb(environment) { worker.cancel() }
            // Before the SMTP listeners open: a SIGINT or SIGTERM from then on stops gracefully (one
            // that came while they were being opened killed the process).
            let signals = StopSignals {
                worker.cancel()
                web?.cancel()
            }
            // The relay and the hosted lists share one deliverer; each rings its doorbell when it files mail.
            let doorbell = RelayDoorbell()
            let inbound = try await startInbound(environment, doorbell: doorbell)
            let relay = try await startRelay(environment, doorbell: doorbell)
            let delivery = startRelayDelivery(environment, doorbell: doorbell, needed: inbound != nil || relay != nil)
            let webhooks = try startWebhooks(environment)
            await worker.value
            // Sessions in a transaction finish it (up to 30 s); idle ones are told 421.
            await inbound?.stop()
            await relay?.stop()
            // After the listeners: messages their last sessions filed are delivered by the next run.
            delivery?.cancel()
            await delivery?.value
            // An event whose delivery is cut short here is sent again by the next run (same delivery id).
            webhooks?.cancel()
            await webhooks?.value
            // `--once` ends with the pass: the listener stops with it (requests under way complete).
            web?.cancel()
            signals.cancel()
            if let web, case .failure(let error) = await web.result, !(error is CancellationError) {
                throw CLIError.fail("the HTTP listener (http.listen) stopped: \(error)", code: 1)
            }
        }
    }

    /// Starts the HTTP listener of `http.listen` (nil when none is configured).
    private func startWeb(_ environment: BulkheadEnvironment, onFailure: @escaping @Sendable () -> Void) -> Task<Void, any Error>? {
        let http = environment.configuration.http
        guard !http.listen.isEmpty else { return nil }
        var server = PublicWebServer(
            addresses: http.listen, unsubscribe: environment.oneClickUnsubscribe,
            requestsPerTokenPerMinute: http.requestsPerTokenPerMinute, clock: environment.clock, logger: environment.logger,
            environment: environment, secureCookies: http.browsersUseTLS)
        if http.tls, let certificate = environment.configuration.listenerTLS {
            server.tls = ListenerCertificate(
                certificateChainFile: environment.configuration.path(certificate.certificateFile),
                privateKeyFile: environment.configuration.path(certificate.privateKeyFile))
        }
        // The first use of the process's registry bootstraps swift-metrics: the engine counts from here on.
        server.observability = ObservabilityRoutes(
            store: environment.store, registry: ProcessMetrics.registry, clock: environment.clock, logger: environment.logger)
        let scheme = http.tls ? "https" : "http"
        return Task {
            do {
                try await server.run { address in
                    FileHandle.standardError.write(
                        Data(
                            "bulkhead serve: the dashboard on \(scheme)://\(address)/, one-click unsubscribe on \(scheme)://\(address)/u/, metrics on \(scheme)://\(address)/metrics\n"
                                .utf8))
                }
            } catch {
                onFailure()
                throw error
            }
        }
    }

    /// Starts the event webhooks of `webhooks:` (nil when none is configured); a secret file that
    /// cannot be read stops the command before anything starts.
    private func startWebhooks(_ environment: BulkheadEnvironment) throws -> Task<Void, Never>? {
        let configuration = environment.configuration
        guard !configuration.webhooks.isEmpty else { return nil }
        let targets = try configuration.webhooks.map { webhook throws(ConfigurationError) in
            try WebhookTarget(webhook, configuration: configuration)
        }
        let idle = Duration.milliseconds(Int64(min(interval, 1) * 1_000))
        return Task {
            do {
                try await HTTPWebhookTransport.with { transport in
                    let dispatcher = WebhookDispatcher(
                        store: environment.store, webhooks: targets, transport: transport, clock: environment.clock, logger: environment.logger)
                    await dispatcher.run(idle: idle)
                }
            } catch {
                FileHandle.standardError.write(Data("bulkhead serve: webhooks stopped: \(error)\n".utf8))
            }
        }
    }

    /// Starts the inbound SMTP listener of `inbound.listen` (nil when none is configured), after
    /// enabling the auto-responders; posts to hosted lists and responders' mail it files ring `doorbell`.
    private func startInbound(_ environment: BulkheadEnvironment, doorbell: RelayDoorbell) async throws -> SMTPServer? {
        let configuration = environment.configuration
        guard !configuration.inbound.listen.isEmpty else { return nil }
        let router = try environment.inboundRouter(doorbell: doorbell)
        if !configuration.autoresponders.isEmpty {
            // Before the listener opens: mail written before a responder's first start is backlog, never answered.
            let enabled = try await environment.autoResponding().enable()
            for (address, since) in enabled.sorted(by: { $0.key < $1.key }) {
                FileHandle.standardError.write(Data("bulkhead serve: auto-responder \(address) answers mail written since \(since)\n".utf8))
            }
        }
        var settings = SMTPServerConfiguration(hostname: router.hostname)
        settings.limits.maximumMessageSize = configuration.inbound.maxMessageBytes
        settings.limits.maximumConnections = configuration.inbound.maxConnections
        settings.limits.maximumConnectionsPerClient = configuration.inbound.maxConnectionsPerClient
        settings.authMechanisms = []
        return try await listen(
            settings, delegate: router, on: configuration.inbound.listen, setting: "inbound.listen", what: "inbound SMTP",
            configuration)
    }

    /// An SMTP listener with `settings` (plus `listener_tls`) bound to every address of `addresses`; an
    /// address that cannot be bound stops the listener and the command (exit 1), naming `setting`.
    private func listen(
        _ settings: SMTPServerConfiguration, delegate: some SMTPServerDelegate, on addresses: [BulkheadConfiguration.ListenAddress],
        setting: String, what: String, _ configuration: BulkheadConfiguration
    ) async throws -> SMTPServer {
        var settings = settings
        if let tls = configuration.listenerTLS {
            settings.tls = try SMTPServerTLS(
                certificateChainFile: configuration.path(tls.certificateFile), privateKeyFile: configuration.path(tls.privateKeyFile))
        }
        let server = try SMTPServer(configuration: settings, delegate: delegate)
        for address in addresses {
            do {
                let bound = BulkheadConfiguration.ListenAddress(
                    bound: try await server.bind(host: address.host, port: address.port), configured: address)
                FileHandle.standardError.write(Data("bulkhead serve: \(what) on \(bound)\n".utf8))
            } catch {
                await server.stop(gracePeriod: .zero)
                throw CLIError.fail("cannot listen on \(address) (\(setting)): \(error)", code: 1)
            }
        }
        return server
    }

    /// Starts the guard relay of `relay.listen` (nil when none is configured).
    private func startRelay(_ environment: BulkheadEnvironment, doorbell: RelayDoorbell) async throws -> SMTPServer? {
        let configuration = environment.configuration
        guard !configuration.relay.listen.isEmpty else { return nil }
        let gateway = try environment.relayGateway(doorbell: doorbell)
        var settings = SMTPServerConfiguration(hostname: gateway.hostname)
        settings.limits.maximumMessageSize = configuration.relay.maxMessageBytes
        settings.limits.maximumRecipients = configuration.relay.maxRecipients
        // A client may send many messages, each with up to max_recipients RCPTs, on one connection.
        settings.limits.maximumCommands = max(10_000, 4 * configuration.relay.maxRecipients)
        settings.limits.maximumConnections = configuration.relay.maxConnections
        settings.limits.maximumConnectionsPerClient = configuration.relay.maxConnectionsPerClient
        settings.insecureAllowsAuthWithoutTLSOnLoopback = configuration.relay.insecureAuthWithoutTLSOnLoopback
        return try await listen(
            settings, delegate: gateway, on: configuration.relay.listen, setting: "relay.listen", what: "guard relay (SMTP submission)",
            configuration)
    }

    /// Delivers what the relay and the hosted lists filed (nil when neither listener runs). Its worker
    /// name is per host (`relay:HOST`): a restart recovers what a crash left `sending`.
    private func startRelayDelivery(_ environment: BulkheadEnvironment, doorbell: RelayDoorbell, needed: Bool) -> Task<Void, Never>? {
        guard needed else { return nil }
        let deliverer = environment.relayDeliverer(worker: "relay:" + ProcessInfo.processInfo.hostName)
        let idle = Duration.milliseconds(Int64(min(interval, 1) * 1_000))
        return Task { await deliverer.run(doorbell: doorbell, idle: idle) }
    }

    /// Starts what is due (scheduled campaigns whose time came, campaigns whose undo window is over) and
    /// delivers every campaign that is sending. While the emergency stop holds, nothing starts.
    private func pass(_ environment: BulkheadEnvironment) async throws {
        let store = environment.store
        if try await store.latch(named: Latch.emergencyStop) != nil { return }
        let now = environment.clock.date
        for campaign in try await store.allCampaigns() {
            try Task.checkCancellation()
            switch campaign.state {
            case .scheduled:
                guard let due = campaign.content.scheduledAt, due <= now else { continue }
                try await startScheduled(environment, campaign, late: now.timeIntervalSince(due))
            case .pending:
                guard (campaign.stateDeadline ?? now) <= now else { continue }
                _ = try await CampaignDelivery.launch(environment, campaign.id)
            default:
                continue
            }
        }
        // Staged sends: a canary wave is delivered, a hold is judged by the brakes and ends at its deadline
        // (kept in the store, so a restart changes nothing); the rest then goes like any sending campaign.
        for campaign in try await store.allCampaigns() where CampaignRunner.runnable.contains(campaign.state) {
            try Task.checkCancellation()
            if campaign.state == .canaryHold, try await environment.staging.advanceHold(campaign.id).state != .sending { continue }
            let runner = try await environment.runner(for: campaign.id, waitingThroughHold: false)
            let summary = try await runner.run()
            if summary.progress.done > 0 || [.finished, .canaryHold, .paused].contains(summary.ending) {
                print(CampaignDelivery.describe(summary, id: campaign.id))
            }
        }
    }

    /// A scheduled campaign whose time came: paused (reason `overdue`) when found too late, else checked
    /// again by the preflight (errors and approval; its count was confirmed and its audience queued when
    /// it was scheduled) and started at once, or paused (reason `preflight`) when it no longer passes.
    private func startScheduled(_ environment: BulkheadEnvironment, _ campaign: Campaign, late: TimeInterval) async throws {
        let store = environment.store
        let overdue = environment.configuration.guardrails.overdueScheduleSeconds
        if late >= TimeInterval(overdue) {
            _ = try? await store.transition(
                campaign.id, from: [.scheduled], to: .paused, actor: .system,
                details: ["reason": "overdue", "late_seconds": .number(late.rounded())])
            FileHandle.standardError.write(
                Data(
                    "bulkhead serve: campaign \(campaign.id.rawValue) was due \(Int(late)) s ago (more than guardrails.overdue_schedule_seconds, \(overdue)): paused, reason overdue; start it with `bulkhead campaign resume \(campaign.id.rawValue)`\n"
                        .utf8))
            return
        }
        // The count was confirmed, and the audience queued, when it was scheduled (nobody has been added
        // since); errors and the approval are judged again now.
        let report = try await CampaignPreflight(environment: environment).run(campaign)
        guard report.requirements.refusedBy.isEmpty, report.requirements.approvalMet else {
            _ = try? await store.transition(
                campaign.id, from: [.scheduled], to: .paused, actor: .system,
                details: ["reason": "preflight", "unmet": .array(report.requirements.unmet.map { .string($0) })])
            FileHandle.standardError.write(
                Data(
                    "bulkhead serve: campaign \(campaign.id.rawValue) no longer passes its preflight: paused, reason preflight (bulkhead campaign preflight \(campaign.id.rawValue))\n"
                        .utf8))
            return
        }
        _ = try await CampaignDelivery.launch(environment, campaign.id)
    }
}
