public import BulkheadStore
public import Logging

/// Delivers events to the configured webhooks (`webhooks:`), run by `bulkhead serve`.
///
/// Events are read from the append-only audit log, where the change that makes them is recorded in
/// its own transaction: nothing that happened is lost, even across a crash. Each webhook has a cursor
/// in the store (the last audit event it is done with) and its own task, so a slow receiver delays
/// nobody else. Each event is POSTed with `X-Bulkhead-Signature`, `X-Bulkhead-Event` and
/// `X-Bulkhead-Delivery`; an answer other than 2xx (or none in 10 s) is tried again after each of
/// ``retryDelays`` (1 s, 5 s, 30 s, 2 min, 10 min: the first attempt and five more), on the injected
/// clock. Every attempt is in the delivery log (`bulkhead webhook log`); the cursor moves past an
/// event only once it was delivered or its last attempt failed. Events reach one webhook in order;
/// after a crash the event under way is sent again with the same delivery id. Several `serve`
/// workers of one store send each event once: a dispatcher delivers a webhook's events only while it
/// holds the webhook in the store (``MailStore/holdWebhook(url:holder:seconds:)``, renewed before
/// each attempt and during the waits between them); another worker takes over once a hold of a
/// worker that stopped runs out (``holdSeconds``).
///
/// ```swift
/// try await HTTPWebhookTransport.with { transport in
///     let dispatcher = WebhookDispatcher(store: store, webhooks: targets, transport: transport, clock: SystemClock())
///     await dispatcher.run(idle: .seconds(1))   // until cancelled
/// }
/// ```
public struct WebhookDispatcher: Sendable {
    public let store: any MailStore
    public let webhooks: [WebhookTarget]
    public let transport: any WebhookTransport
    public let clock: any BulkheadClock
    /// The waits before each retry; the attempts are one more than these.
    public let retryDelays: [Duration]
    let logger: Logger

    /// The default waits before each retry: 1 s, 5 s, 30 s, 2 min, 10 min.
    public static let defaultRetryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600)]
    /// Audit events read at once.
    static let pageSize = 200
    /// How long a hold of a webhook lasts unless renewed: how soon another worker takes over the
    /// webhooks of one that stopped.
    public static let holdSeconds = 30
    /// Who holds the webhooks this dispatcher delivers (a worker's identity).
    public let holder: String

    public init(
        store: any MailStore, webhooks: [WebhookTarget], transport: any WebhookTransport, clock: any BulkheadClock,
        retryDelays: [Duration] = Self.defaultRetryDelays, holder: String = WorkerIdentity.current().description,
        logger: Logger = Logger(label: "bulkhead.webhooks")
    ) {
        self.holder = holder
        self.store = store
        self.webhooks = webhooks
        self.transport = transport
        self.clock = clock
        self.retryDelays = retryDelays
        self.logger = logger
    }

    /// Delivers events until cancelled: each webhook looks for new ones every `idle` while this
    /// dispatcher holds it (its cursor is read from the store when the hold is taken, and again after
    /// an error); while another worker holds it, it asks again every `idle`.
    public func run(idle: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            for webhook in webhooks {
                group.addTask {
                    var cursor: Int64?
                    while !Task.isCancelled {
                        do {
                            guard try await hold(webhook) else {
                                cursor = nil  // another worker moves it meanwhile
                                try await clock.sleep(for: idle)
                                continue
                            }
                            let after: Int64
                            if let cursor { after = cursor } else { after = try await store.webhookCursor(url: webhook.url) }
                            cursor = try await deliver(to: webhook, after: after).cursor
                        } catch is CancellationError {
                            return
                        } catch is WebhookHoldLost {
                            cursor = nil
                            logger.notice("webhook taken over by another worker", metadata: ["url": "\(webhook.displayURL)"])
                        } catch {
                            cursor = nil
                            logger.warning(
                                "webhook events cannot be read or recorded", metadata: ["url": "\(webhook.displayURL)", "error": "\(error)"])
                        }
                        do { try await clock.sleep(for: idle) } catch { return }
                    }
                }
            }
        }
    }

    /// Delivers every event after the webhook's stored cursor (retrying on the clock); returns how
    /// many events were delivered or given up (none while another worker holds the webhook).
    @discardableResult
    public func deliverPending(to webhook: WebhookTarget) async throws -> Int {
        guard try await hold(webhook) else { return 0 }
        return try await deliver(to: webhook, after: try await store.webhookCursor(url: webhook.url)).done
    }

    /// Takes or renews this dispatcher's hold of `webhook`; false while another worker holds it.
    private func hold(_ webhook: WebhookTarget) async throws -> Bool {
        try await store.holdWebhook(url: webhook.url, holder: holder, seconds: Self.holdSeconds)
    }

    /// Renews the hold before an attempt; throws ``WebhookHoldLost`` when another worker took it.
    private func keepHold(_ webhook: WebhookTarget) async throws {
        guard try await hold(webhook) else { throw WebhookHoldLost() }
    }

    /// Delivers every event after `cursor`; returns the new cursor and how many events were done with.
    private func deliver(to webhook: WebhookTarget, after cursor: Int64) async throws -> (cursor: Int64, done: Int) {
        var cursor = cursor
        var done = 0
        while true {
            let page = try await store.auditEvents(AuditQuery(afterID: cursor, limit: Self.pageSize))
            guard let last = page.last else { return (cursor, done) }
            for audit in page where WebhookEvent.actions.contains(audit.event.action) {
                let events = try await events(from: audit).filter { webhook.events.contains($0.name) }
                for (index, event) in events.enumerated() {
                    try await deliver(event, to: webhook, last: index == events.count - 1)
                    done += 1
                }
            }
            // Past the events of the page that concern no webhook (those delivered moved it already).
            try await store.advanceWebhookCursor(url: webhook.url, to: last.id)
            cursor = last.id
        }
    }

    /// The events of one audit event, with the campaign's or list's name.
    private func events(from audit: AuditEvent) async throws -> [WebhookEvent] {
        let subject = Int64(audit.event.subjectID)
        switch audit.event.action {
        case "campaign.transition":
            let name = try await subject.asyncMap { try await store.campaign(id: CampaignID(rawValue: $0))?.content.name }
            return WebhookEvent.events(from: audit, campaignName: name ?? nil)
        case "list.storm":
            let name = try await subject.asyncMap { try await store.list(id: ListID(rawValue: $0))?.name }
            return WebhookEvent.events(from: audit, listName: name ?? nil)
        default:
            return WebhookEvent.events(from: audit)
        }
    }

    /// POSTs one event until a 2xx answer or the last attempt, recording each attempt; the last
    /// event of its audit event moves the cursor with its final attempt.
    func deliver(_ event: WebhookEvent, to webhook: WebhookTarget, last: Bool) async throws {
        let body = try event.body()
        let headers = [
            ("X-Bulkhead-Signature", WebhookSignature.header(body: body, secret: webhook.secret)),
            ("X-Bulkhead-Event", event.name.rawValue), ("X-Bulkhead-Delivery", event.deliveryID),
        ]
        for attempt in 1...(retryDelays.count + 1) {
            try await keepHold(webhook)
            var statusCode: Int?
            var failure: String?
            do {
                statusCode = try await transport.post(url: webhook.url, headers: headers, body: body)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = Self.describe(error)
            }
            let delivered = statusCode.map { (200..<300).contains($0) } ?? false
            if let statusCode, !delivered { failure = "HTTP \(statusCode)" }
            let final = delivered || attempt > retryDelays.count
            let status: WebhookAttemptStatus = delivered ? .delivered : final ? .failed : .retrying
            try await store.recordWebhookAttempt(
                NewWebhookAttempt(
                    delivery: event.deliveryID, url: webhook.url, event: event.name.rawValue, auditID: event.auditID, attempt: attempt,
                    statusCode: statusCode, error: failure, status: status),
                advancingCursor: final && last)
            if delivered { return }
            let metadata: Logger.Metadata = [
                "url": "\(webhook.displayURL)", "delivery": "\(event.deliveryID)", "attempt": "\(attempt)", "error": "\(failure ?? "")",
            ]
            if final {
                logger.error("webhook event given up after its last attempt", metadata: metadata)
                return
            }
            logger.warning("webhook event not delivered; trying again", metadata: metadata)
            // The wait is longer than a hold: renewed a third of the way through each.
            var wait = retryDelays[attempt - 1]
            let slice = Duration.seconds(Self.holdSeconds) / 3
            while wait > .zero {
                try await clock.sleep(for: min(wait, slice))
                wait -= min(wait, slice)
                try await keepHold(webhook)
            }
        }
    }

    /// An error as kept in the delivery log: one line, no NUL, at most 300 characters.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error).map { $0.isNewline || $0 == "\u{0}" ? " " : $0 }
        return String(String(text).prefix(300))
    }
}

/// Another worker holds the webhook now (this one was stalled past its hold): it stops delivering.
struct WebhookHoldLost: Error {}

extension Optional {
    /// The async counterpart of `map`.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
