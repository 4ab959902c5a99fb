public import BulkheadPolicy
public import Foundation

/// The domain store behind Bulkhead: lists, subscribers, consent, suppressions, campaigns, the
/// per-recipient delivery ledger and the audit log. Implemented by ``SQLiteStore`` and ``PostgresStore``,
/// which pass the same conformance suite.
///
/// Every method is one database transaction: it either happens entirely or not at all.
///
/// ```swift
/// let store = try SQLiteStore(path: "bulkhead.sqlite")
/// let list = try await store.createList(name: "news", description: "Monthly news")
/// let campaign = try await store.createCampaign(content, actor: .human("ann"))
/// _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .human("ann"))
/// try await store.enqueueRecipients(campaign: campaign.id)
/// let batch = try await store.claim(campaign: campaign.id, worker: "w1", limit: 100)
/// // … deliver each entry, then:
/// try await store.complete(batch.map { LedgerOutcome(entry: $0, result: .sent(reply)) })
/// ```
public protocol MailStore: Sendable {
    /// The clock behind every stored "now" and every due check (the one the caller's records use too).
    var clock: any BulkheadClock { get }

    // MARK: Lists

    /// Creates a list; throws ``StoreError/duplicate(kind:key:)`` when the name is taken.
    func createList(name: String, description: String) async throws -> MailingList
    /// The list with this key, or nil.
    func list(id: ListID) async throws -> MailingList?
    /// The list with this name, or nil.
    func list(named name: String) async throws -> MailingList?
    /// All lists, by name.
    func allLists() async throws -> [MailingList]
    /// Renames a list (audited), keeping its List-Id label; throws ``StoreError/duplicate(kind:key:)``
    /// when the new name is taken and ``StoreError/notFound(_:)`` when there is no such list.
    func renameList(_ id: ListID, to name: String, actor: AuditActor) async throws -> MailingList

    // MARK: Subscribers and memberships

    /// Creates or updates the subscriber with this address: `name` replaces the stored name when not nil,
    /// `attributes` are merged into the stored ones.
    func upsertSubscriber(address: NormalizedAddress, name: String?, attributes: [String: JSONValue]) async throws -> Subscriber
    /// The subscriber with this address, or nil.
    func subscriber(address: NormalizedAddress) async throws -> Subscriber?
    /// The subscriber with this key, or nil.
    func subscriber(id: SubscriberID) async throws -> Subscriber?
    /// The subscribers with these keys (one query; unknown keys are left out). The delivery loop reads
    /// a claimed batch's names and attributes with it.
    func subscribers(ids: [SubscriberID]) async throws -> [SubscriberID: Subscriber]
    /// Sets a subscriber's status on a list and appends the consent record in the same transaction.
    func setMembership(
        list: ListID, subscriber: SubscriberID, status: MembershipStatus,
        consent: ConsentEvidence
    ) async throws -> Membership
    /// A subscriber's membership of a list, or nil.
    func membership(list: ListID, subscriber: SubscriberID) async throws -> Membership?
    /// One page of a list's members (optionally only one status), ordered by subscriber key, starting
    /// after `after`; page through a list of any size with bounded memory.
    func members(of list: ListID, status: MembershipStatus?, after: SubscriberID?, limit: Int) async throws -> [ListMember]
    /// How many members of the list are in each status (absent statuses are 0).
    func membershipCounts(list: ListID) async throws -> [MembershipStatus: Int]
    /// Encodes a batch of imported rows for ``importSubscribers(_:into:importID:)`` without touching the
    /// database, so an importer can do it while the batch before is being written.
    func prepareImport(_ rows: [ImportRow], consent: ImportConsent) throws(StoreError) -> ImportBatch
    /// Upserts a batch of imported rows in one transaction and reports per row what happened.
    /// Duplicates within one import are found in the database (the membership is stamped with
    /// `importID`), so memory stays bounded by the batch size however large the file.
    func importSubscribers(_ batch: ImportBatch, into list: ListID, importID: String) async throws -> [ImportRowOutcome]

    /// Every membership of one subscriber, by list key.
    func memberships(subscriber: SubscriberID) async throws -> [Membership]

    // MARK: Public sign-up (double opt-in)

    /// Sets whether a list takes sign-ups from the public form (audited as `list.sign-up`); throws
    /// ``StoreError/notFound(_:)`` when there is no such list.
    func setListSignUp(_ list: ListID, _ signUp: ListSignUp, actor: AuditActor) async throws
    /// Whether a list takes public sign-ups; throws ``StoreError/notFound(_:)`` when there is no such list.
    func listSignUp(_ list: ListID) async throws -> ListSignUp
    /// Files a sign-up from the public form in one transaction: nothing for a list without sign-ups,
    /// a suppressed address, a confirmed member or a request over `limits`; otherwise the subscriber
    /// is stored (or kept), becomes an `unconfirmed` member when not a member yet (an `unsubscribed`
    /// one stays unsubscribed until the link is confirmed), and the confirmation mail is counted.
    func requestSignUp(_ request: SignUpRequest, limits: SignUpLimits) async throws -> SignUpReceipt
    /// Confirms a sign-up whose link was issued at `issuedAt` (whole seconds): the membership becomes
    /// `confirmed` with `evidence` as its consent record, unless it already is (idempotent) or it
    /// changed after `issuedAt` (the person unsubscribed since: the old link confirms nothing). A
    /// suppression is never lifted.
    func confirmSignUp(list: ListID, subscriber: SubscriberID, issuedAt: Date, evidence: ConsentEvidence) async throws
        -> SignUpConfirmation
    /// Unsubscribes a subscriber from those of `lists` (nil: all) it is a member of and not yet
    /// unsubscribed from, one consent record (`evidence`) each, in one transaction; returns the lists left.
    func leaveLists(subscriber: SubscriberID, lists: Set<ListID>?, evidence: ConsentEvidence) async throws -> [ListID]

    // MARK: Consent

    /// Appends a consent record (without changing any membership).
    func appendConsent(subscriber: SubscriberID, list: ListID, evidence: ConsentEvidence) async throws -> ConsentRecord
    /// A subscriber's consent records, oldest first.
    func consentRecords(subscriber: SubscriberID) async throws -> [ConsentRecord]

    // MARK: Suppression

    /// Adds an address to the global suppression list (audited); returns false when it was already
    /// suppressed (the first entry is kept).
    @discardableResult
    func addSuppression(_ suppression: Suppression, actor: AuditActor) async throws -> Bool
    /// Removes an address from the suppression list (audited); returns false when it was not there.
    @discardableResult
    func removeSuppression(_ address: NormalizedAddress, actor: AuditActor) async throws -> Bool
    /// Which of these addresses are suppressed (one query per call, however many addresses).
    func suppressedAddresses(among addresses: [NormalizedAddress]) async throws -> Set<NormalizedAddress>
    /// The suppression entry of one address, or nil when it is not suppressed.
    func suppression(address: NormalizedAddress) async throws -> Suppression?
    /// The suppression list, by address, paged.
    func suppressions(after address: NormalizedAddress?, limit: Int) async throws -> [Suppression]

    // MARK: Campaigns

    /// Creates a campaign in `draft` (audited).
    func createCampaign(_ content: CampaignContent, actor: AuditActor) async throws -> Campaign
    /// The campaign with this key, or nil.
    func campaign(id: CampaignID) async throws -> Campaign?
    /// All campaigns, newest first.
    func allCampaigns() async throws -> [Campaign]
    /// Replaces a draft's content (audited); throws ``StoreError/campaignNotEditable(campaign:state:)``
    /// unless the campaign is a draft.
    func updateDraft(_ id: CampaignID, content: CampaignContent, actor: AuditActor) async throws -> Campaign
    /// Moves a campaign to `to` if its current state is in `from` and the move is allowed by
    /// ``CampaignState/canTransition(to:)``, and appends the `campaign.transition` audit event
    /// (with `details` added) in the same transaction. Throws ``StoreError/invalidTransition(campaign:current:to:)``.
    ///
    /// A move to `paused` records the reason (`details["reason"]`, else `operator`) and the state it
    /// left (``Campaign/pausedFrom``); any other move clears them. `deadline` becomes the new state's
    /// ``Campaign/stateDeadline`` (the undo window's end in `pending`, the hold's end in `canary-hold`).
    func transition(
        _ id: CampaignID, from: Set<CampaignState>, to: CampaignState, actor: AuditActor,
        details: [String: JSONValue], deadline: Date?
    ) async throws -> Campaign

    /// Who of the campaign's list (and segment) a send would queue now, and how many members are left
    /// out for each reason. The same rule as ``enqueueRecipients(campaign:)``.
    func audience(campaign: CampaignID) async throws -> AudienceCounts
    /// One page of the subscribers a send would queue now (the rule of ``audience(campaign:)``; for a
    /// follow-up, that of ``followUpAudience(incident:)``), starting after `after`: preflight reads the
    /// whole audience this way with bounded memory.
    func audienceMembers(campaign: CampaignID, after: AudiencePage.Position?, limit: Int) async throws -> AudiencePage

    // MARK: Ledger

    /// Queues one entry per confirmed member with a consent record for the list, not suppressed, of the
    /// campaign's list (and segment),
    /// keyed by normalised address, in one INSERT … SELECT. Idempotent: members already queued are
    /// left alone, so calling it again only adds new members. Returns the number of entries added.
    ///
    /// A follow-up (``CampaignContent/followUpOf`` set) is queued from the original's ledger instead,
    /// never from the whole list: each recipient who received the original or may have (`sent`,
    /// `uncertain`, or still `sending`), is still a confirmed member of the follow-up's list and not suppressed, and whom
    /// no other follow-up of the same incident reached, may have reached or still has queued
    /// (``FollowUpAudience``). Follow-ups of one incident are queued one at a time (the original's
    /// row is locked), so nobody is queued by two of them.
    ///
    /// `atMost` is the count the sender saw and confirmed (the preflight's): when more entries than
    /// that would be added (members joined since), nothing is queued and ``StoreError/refused(_:)``
    /// says so, so that a confirmed count only ever falls. Nil: no bound.
    @discardableResult
    func enqueueRecipients(campaign: CampaignID, atMost: Int?) async throws -> Int
    /// Durably moves up to `limit` due entries (`queued`, or `deferred` whose time has come) to
    /// `sending`, increments their attempt counts, and returns them, ordered by key. Hand entries to
    /// SMTP only after this returns. Returns nothing unless the campaign is `sending`, so a pause or
    /// abort stops further claims. Concurrent claimers never receive the same entry.
    ///
    /// Opt-outs are checked here, at the moment of sending: a due entry whose address is suppressed,
    /// or whose subscriber is no longer a confirmed member of the campaign's list, becomes
    /// ``LedgerState/suppressed`` (the reason in its reply text) and is never returned.
    func claim(campaign: CampaignID, worker: String, limit: Int) async throws -> [LedgerEntry]
    /// Records the outcomes of claimed entries in one transaction. An outcome applies only to an entry
    /// still in `sending` or `uncertain` with the same attempt number; returns how many applied.
    @discardableResult
    func complete(_ outcomes: [LedgerOutcome]) async throws -> Int
    /// Records `outcomes` as ``complete(_:)`` does, then claims as ``claim(campaign:worker:limit:)``
    /// does, in one transaction: one commit (one fsync) for a sender that finished a batch and
    /// wants the next. The outcomes are recorded even when nothing can be claimed.
    ///
    /// `queuedAfter` skips queued entries with keys up to it (due deferred entries are always
    /// considered): a claimer that remembers the highest key it claimed starts past the entries
    /// already sent, which on PostgreSQL stay in the index as dead entries until vacuumed. When
    /// such a claim finds nothing, claim once more from 0 to pick up anything left behind.
    func completeAndClaim(
        _ outcomes: [LedgerOutcome], campaign: CampaignID, worker: String, limit: Int,
        queuedAfter: LedgerEntryID?
    ) async throws -> [LedgerEntry]
    /// Gives back claimed entries that were never handed to SMTP (a pause or abort came first, or the
    /// upstream could not be reached: `lastReply` then says why): each goes from `sending` back to
    /// `queued` with its attempt count restored. Only entries still in `sending` with the same attempt
    /// number change; returns how many did.
    @discardableResult
    func release(_ entries: [LedgerEntry], lastReply: SMTPReplyRecord?) async throws -> Int
    /// Looks at the opt-outs again for claimed entries not yet handed over (the claim looked when it
    /// claimed them): each now suppressed, or no longer a confirmed member of the campaign's list,
    /// goes from `sending` to `suppressed` with its attempt restored. Only entries still in `sending`
    /// with the same attempt number change. Returns the keys of the entries that must not go out: the
    /// withdrawn ones, and those no longer in this claim (recovered or finished by another worker while
    /// this one stalled).
    ///
    /// ```swift
    /// let withdrawn = try await store.withdrawOptedOut(Array(batch[index...]))
    /// ```
    func withdrawOptedOut(_ entries: [LedgerEntry]) async throws -> Set<LedgerEntryID>
    /// The workers that hold `sending` entries of the campaign, each with its lease (to find those of a
    /// crashed process), by name.
    func sendingWorkers(campaign: CampaignID) async throws -> [SendingWorker]
    /// Takes or renews `holder`'s lease until `seconds` from now (the store's clock).
    @discardableResult
    func renewLease(_ holder: WorkerLease.Holder, seconds: Int) async throws -> WorkerLease
    /// Gives up a worker's lease (at the end of a run).
    func endLease(worker: String) async throws
    /// Takes up to `wanted` permits to start a message under `limits`, shared by every process of the
    /// store under one `key` (an upstream's name): granted permits are counted at once, at the store's
    /// clock; the rest are refused with the time to ask again. Never grants more than a limit's `count`
    /// in any of its windows, whatever the number of workers asking.
    func takeSendPermits(_ key: String, wanted: Int, limits: [SharedRateLimit]) async throws -> SendPermitGrant
    /// After a crash: every `sending` entry (of the campaign, or all campaigns when nil; of the worker,
    /// or all workers when nil) becomes `uncertain` and is never claimed again unless requeued.
    /// Audited by the system; returns how many entries changed.
    @discardableResult
    func recoverInterrupted(campaign: CampaignID?, worker: String?) async throws -> Int
    /// After a crash of one worker whose in-flight journal was read: of its `sending` entries of the
    /// campaign, those never handed to the transport go back to `queued` (attempt restored), those with
    /// an outcome in the journal get it, and only the rest — the messages truly in flight, at most the
    /// worker's concurrency — become `uncertain`. One transaction, audited.
    @discardableResult
    func recoverInterrupted(campaign: CampaignID, worker: String, evidence: InterruptedRunEvidence) async throws -> RecoveryCounts
    /// The explicit command that makes a campaign's `failed` entries (all, or those whose last reply
    /// had `replyCode`) claimable again with a fresh attempt count (audited; a `sent` campaign is
    /// reopened as `paused`). Opt-outs still hold: the claim turns suppressed addresses `suppressed`.
    @discardableResult
    func requeueFailed(campaign: CampaignID, replyCode: Int?, actor: AuditActor) async throws -> Int
    /// The explicit command that makes a campaign's `uncertain` entries claimable again (audited; a
    /// `sent` campaign is reopened as `paused`).
    @discardableResult
    func requeueUncertain(campaign: CampaignID, actor: AuditActor) async throws -> Int
    /// How many of the campaign's entries are in each state; with `updatedSince`, only entries that
    /// changed at or after that time (e.g. how many were sent after an abort).
    func ledgerCounts(campaign: CampaignID, updatedSince: Date?) async throws -> LedgerCounts
    /// One page of ledger entries, by key (see ``ledgerEntries(campaign:states:pageSize:)`` to stream all).
    func ledgerPage(_ query: LedgerQuery) async throws -> [LedgerEntry]
    /// The entry carrying this VERP token (for mapping a bounce back), or nil.
    func ledgerEntry(verpToken: String) async throws -> LedgerEntry?

    // MARK: What comes back

    /// Records a bounce on the entry its VERP token names, in one transaction: the entry's bounce (a
    /// hard one is never replaced by a softer one), the per-address bounce log (one event per entry
    /// and kind, so a report delivered twice counts once), the `hard-bounce` brake event, and the
    /// suppression a hard bounce, or `softLimit` soft bounces and expiries of different messages
    /// within its days, cause (reason `hard-bounce`, audited). A bounce of the receiver refusing the
    /// message (`rejected-message`) suppresses nothing. Nil when no entry has the token.
    func recordBounce(_ bounce: InboundBounce, softLimit: SoftBounceLimit) async throws -> InboundEventResult?
    /// Records a spam complaint (an ARF report) about the message the VERP token names: the address
    /// is suppressed (reason `complaint`, audited) and the `complaint` brake event logged, in one
    /// transaction. Nil when no entry has the token.
    func recordComplaint(verpToken: String, at: Date, source: String) async throws -> InboundEventResult?
    /// A campaign's sent entries that got a bounce afterwards, by kind.
    func bounceCounts(campaign: CampaignID) async throws -> [BounceKind: Int]

    // MARK: Staged sending

    /// Adds seed addresses to a list (audited): canonical addresses that get every campaign of the list
    /// in its first wave without being members (each gets a subscriber row, no membership). Returns how
    /// many were new; throws ``StoreError/invalidData(_:)`` beyond ``ListSeeds/maximum`` per list and
    /// ``StoreError/notFound(_:)`` for an unknown list.
    @discardableResult
    func addSeeds(_ addresses: [NormalizedAddress], list: ListID, actor: AuditActor) async throws -> Int
    /// Removes seed addresses from a list (audited); returns how many were there.
    @discardableResult
    func removeSeeds(_ addresses: [NormalizedAddress], list: ListID, actor: AuditActor) async throws -> Int
    /// A list's seed addresses, by address.
    func seeds(list: ListID) async throws -> [NormalizedAddress]
    /// Starts the delivery of a campaign whose recipients are queued, in one transaction: queues the
    /// list's seed addresses (never a suppressed one), then, when `canary` gives a sample size for the
    /// queued audience, moves a random sample (`ORDER BY random()`, not the first rows) and the seeds
    /// into the canary wave and the campaign to `canary`; else everything goes in one wave and the
    /// campaign to `sending`. The current state must be in `from` — or `paused` with a
    /// ``Campaign/pausedFrom`` in `from` — else ``StoreError/invalidTransition(campaign:current:to:)``.
    /// Audited as `campaign.transition` with the audience, seeds and sample sizes added to `details`.
    ///
    /// ```swift
    /// let campaign = try await store.beginSending(id, from: [.draft, .scheduled, .pending], canary: CanaryRule(), actor: .system, details: [:])
    /// campaign.state  // .canary, or .sending for a small audience
    /// ```
    func beginSending(
        _ id: CampaignID, from: Set<CampaignState>, canary: CanaryRule, actor: AuditActor, details: [String: JSONValue]
    ) async throws -> Campaign
    /// How many of the campaign's entries of one wave are in each state.
    func ledgerCounts(campaign: CampaignID, wave: LedgerWave) async throws -> LedgerCounts
    /// The campaign's most recent `size` final outcomes (sent or failed; one log row each, written with
    /// the outcome) and their events, counting only outcomes since its brakes last restarted (a campaign
    /// going on after a brake pause starts a fresh window).
    func brakeWindow(campaign: CampaignID, size: Int) async throws -> BrakeWindow
    /// Records an event that arrives after the send — a hard bounce, complaint or unsubscribe, by mail or
    /// HTTP — on the recipient's latest logged outcome, so it counts in the same window as rejections at
    /// send (an entry with no logged outcome gets one, holding the event). False when the subscriber
    /// has no entry in the campaign.
    @discardableResult
    func recordBrakeEvent(_ metric: BrakeMetric, campaign: CampaignID, subscriber: SubscriberID) async throws -> Bool

    // MARK: Incidents

    /// Whom a follow-up of campaign `incident` could still reach (see ``FollowUpAudience``), counted in
    /// one query. A campaign whose ``CampaignContent/followUpOf`` is `incident` is queued by
    /// ``enqueueRecipients(campaign:)`` from exactly these people.
    func followUpAudience(incident: CampaignID) async throws -> FollowUpAudience
    /// The campaign's outcomes per minute and its first and last delivery, aggregated in the database.
    func ledgerTimeline(campaign: CampaignID) async throws -> LedgerTimeline
    /// The members of the campaign's list without a ledger entry for it, by status (one query).
    func excludedMembers(campaign: CampaignID) async throws -> ExcludedMembers

    // MARK: Latches

    /// The emergency stop, in one transaction: sets the ``Latch/emergencyStop`` latch (keeping the
    /// first one's time and reason if it is already set) and pauses every campaign in a
    /// ``CampaignState/stoppable`` state with reason `stop-all`, each audited. Returns the campaigns it
    /// paused, by key.
    func emergencyStop(reason: String, actor: AuditActor) async throws -> [CampaignID]
    /// The latch with this name, or nil when it is not set.
    func latch(named name: String) async throws -> Latch?
    /// Releases a latch (audited); returns false when it was not set. Paused campaigns stay paused.
    @discardableResult
    func releaseLatch(named name: String, actor: AuditActor) async throws -> Bool

    // MARK: Guard relay

    /// Files a message the relay received, in one transaction (durable before the client's `250`):
    /// counts the sender's window (``SenderVolume``, this message included: messages received since
    /// `now − breaker.window` and their distinct ``AddressKey`` recipients) and decides, in this order:
    /// the sender's breaker is open → `held` (`breaker-open`); `breaker.isTripped(by:)` → the breaker
    /// opens (kept until ``closeRelayBreaker(_:actor:)``) and the message is `held` (`breaker-tripped`,
    /// ``RelayReceipt/breakerTripped`` true); disposition `.hold` → `held` (`findings`); the
    /// ``Latch/emergencyStop`` latch is set → `held` (`stopped`); `.relay(after: date)` → `waiting`
    /// until then; else `queued`, its recipients due now. Every message counts toward the window,
    /// held or not.
    func receiveRelayMessage(_ message: NewRelayMessage, breaker: SenderBreakerLimits) async throws -> RelayReceipt
    /// One relayed message with its recipients, or nil.
    func relayMessage(_ id: RelayMessageID) async throws -> RelayMessageRecord?
    /// The octets of a relayed message as filed, or nil.
    func relayMessageBytes(_ id: RelayMessageID) async throws -> [UInt8]?
    /// Relayed messages in these states (all when nil), newest first, at most `limit`, starting below
    /// `before` (paging).
    func relayMessages(states: Set<RelayMessageState>?, before: RelayMessageID?, limit: Int) async throws -> [RelayMessageRecord]
    /// Applies a person's decision (audited `relay.release` / `relay.discard` / `relay.recall`, with the
    /// copy form). Throws ``StoreError/notFound(_:)`` for an unknown id and ``StoreError/refused(_:)``
    /// when the state does not allow it (release and discard need `held`, recall needs `waiting`).
    func decideRelayMessage(_ id: RelayMessageID, _ decision: RelayDecision, actor: AuditActor) async throws -> RelayMessageRecord
    /// Marks that the sender's notice about this message went out; returns false when it had been
    /// marked already (so a notice is sent once even with several workers).
    func markRelaySenderNotified(_ id: RelayMessageID) async throws -> Bool
    /// Claims up to `limit` due recipients for `worker`, in one transaction: first `waiting` messages
    /// whose undo window ended become `queued` (or `held`/`stopped` while the emergency stop is
    /// latched); while it is latched nothing is claimed. Each candidate on the suppression list
    /// (``NormalizedAddress``) becomes `suppressed` instead; the others become `sending` (attempts + 1)
    /// before any byte goes out. Oldest messages first.
    func claimRelayDeliveries(worker: String, limit: Int) async throws -> [RelayDelivery]
    /// Records outcomes in one transaction; a message whose recipients are all final becomes `done`.
    /// Returns how many rows changed (a row no longer `sending` is left alone).
    @discardableResult
    func completeRelayDeliveries(_ outcomes: [RelayDeliveryOutcome]) async throws -> Int
    /// Records `outcomes` as ``completeRelayDeliveries(_:)`` does, then claims as
    /// ``claimRelayDeliveries(worker:limit:)`` does, in one transaction: one commit for a sender that
    /// finished a batch and wants the next. The outcomes are recorded even when nothing is claimed
    /// (`limit` 0, or the emergency stop latched).
    func completeAndClaimRelayDeliveries(_ outcomes: [RelayDeliveryOutcome], worker: String, limit: Int) async throws -> [RelayDelivery]
    /// Looks at the opt-outs again for claimed relay recipients not yet handed over: each whose
    /// address is now suppressed, or whose list copy's member left the list, goes from `sending` to
    /// `suppressed` with its attempt given back. Returns the recipient keys that must not go out: the
    /// withdrawn ones, and those no longer in this claim (recovered by another worker meanwhile).
    ///
    /// ```swift
    /// let withdrawn = try await store.withdrawOptedOutRelayDeliveries(Array(batch[index...]))
    /// ```
    func withdrawOptedOutRelayDeliveries(_ deliveries: [RelayDelivery]) async throws -> Set<Int64>
    /// After a crash: every `sending` recipient claimed by `worker` becomes `uncertain` (it may have
    /// been delivered; never re-sent blindly). Returns how many.
    func recoverRelayDeliveries(worker: String) async throws -> Int
    /// The open breakers, oldest first.
    func relayBreakers() async throws -> [RelayBreaker]
    /// Closes `sender`'s breaker (audited `relay.breaker-close`): its mail passes again, counted from
    /// this moment (messages received before it do not count toward the new window). Returns false when it was not open.
    @discardableResult
    func closeRelayBreaker(_ sender: RelaySender, actor: AuditActor) async throws -> Bool

    // MARK: Hosted lists

    /// Creates a list with a posting address, a policy (nil: the default by size), an owner and the
    /// posters of an `announce` list, in one transaction (audited `list.create`). Throws
    /// ``StoreError/duplicate(kind:key:)`` when the name or the address is taken.
    func createHostedList(name: String, description: String, hosting: ListHosting, actor: AuditActor) async throws -> HostedList
    /// The hosted list with this posting address, or nil.
    func hostedList(address: NormalizedAddress) async throws -> HostedList?
    /// The list's hosting, or nil when it has no address.
    func hostedList(_ list: ListID) async throws -> HostedList?
    /// Every hosted list, by name.
    func hostedLists() async throws -> [HostedList]
    /// Turns a list's emergency switch on or off (audited `list.emergency`): while it is on, every post
    /// is held. Throws ``StoreError/notFound(_:)`` for a list without an address.
    @discardableResult
    func setListEmergency(_ list: ListID, on: Bool, actor: AuditActor) async throws -> HostedList
    /// Judges and files a post in one transaction (PostgreSQL: under the list's advisory lock, so counts
    /// are exact across workers): a `members` list refuses non-members, an `announce` list everyone but
    /// its posters, `limits.memberPostsPerDay` caps a poster's posts; a reply (``NewListPost/isReply``)
    /// to a list of at least `limits.storm.minMembers` members is refused while its thread is under a
    /// storm block, and the reply that finds `limits.storm.replies` replies distributed in the window
    /// starts one (``ListStorm``). Otherwise the post is filed as a relay message with one recipient row
    /// per member a campaign could reach (confirmed, consent, not suppressed), `queued`, or `held`
    /// (findings, the emergency switch and a moderated list add findings; the stop latch). Its thread is
    /// that of the earliest referenced post, else its normalised subject.
    func receiveListPost(_ post: NewListPost, limits: ListPostLimits) async throws -> ListPostReceipt
    /// Storm blocks in force now (a thread whose replies are held until ``ListStorm/blockedUntil``), newest first.
    func activeListStorms() async throws -> [ListStorm]

    // MARK: Auto-responders

    /// Records that these responders are enabled (their addresses canonical): a responder enabled for
    /// the first time starts now, one enabled before keeps its time. Returns each one's time.
    func enableAutoResponders(_ addresses: [String]) async throws -> [String: Date]
    /// Files one message for an auto-responder in one transaction (PostgreSQL: under one advisory lock
    /// for all responders, so the breaker counts exactly across workers) and decides its reply, in this
    /// order: the rule said no (``NewAutoResponderMail/skip``); its Message-ID reached this responder
    /// before (received or imported); it was written more than `limits.backlogGrace` before the
    /// responder was enabled; the ``Latch/autoReplyBreaker`` latch is set; the sender had a reply within
    /// `limits.oncePerSender`; the replies of all responders within `limits.breakerWindow` reached
    /// `limits.breakerReplies` (the latch is set now: ``AutoReplyOutcome/breakerTripped``); else the
    /// reply is filed as a relay message, `queued` (`held` while the stop latch is set). The forward is
    /// filed the same way whatever the reply. Throws ``StoreError/refused(_:)`` when the responder
    /// was never enabled.
    func receiveAutoResponderMail(_ mail: NewAutoResponderMail, limits: AutoReplyLimits) async throws -> AutoResponderReceipt
    /// Records messages of a mailbox connected later (`bulkhead autoreply import`) in one transaction:
    /// each is logged ``AutoReplyOutcome/imported`` and counts as seen from its sender, never as a
    /// reply (the once-per-sender period counts from the last reply sent). Returns how many were recorded.
    @discardableResult
    func importAutoResponderMail(responder: String, _ messages: [ImportedAutoResponderMail]) async throws -> Int
    /// Every responder the store knows, by address, with its outcomes counted.
    func autoResponders() async throws -> [AutoResponderSummary]

    // MARK: Users

    /// Creates a user (audited `user.create`). Throws ``StoreError/duplicate(kind:key:)`` when the name is
    /// taken, ``StoreError/invalidData(_:)`` for a name ``UserName`` refuses, no role or no hash.
    func createUser(_ user: NewUser, actor: AuditActor) async throws -> User
    /// The user with this name, or nil.
    func user(named name: String) async throws -> User?
    /// All users, by name.
    func allUsers() async throws -> [User]
    /// Disables a user (audited `user.disable`; one already disabled is returned as it is). Throws
    /// ``StoreError/refused(_:)`` when it is the last enabled admin, ``StoreError/notFound(_:)`` when
    /// there is no such user.
    func disableUser(named name: String, actor: AuditActor) async throws -> User

    // MARK: Web sessions and API tokens

    /// Records a dashboard log-in (audited `user.login`).
    func createWebSession(_ session: NewWebSession) async throws
    /// The session whose cookie hashes to `tokenHash`, or nil when there is none, it expired, or its user
    /// is disabled.
    func webSession(tokenHash: String) async throws -> WebSession?
    /// Ends a session (log-out); true when one was ended. Expired sessions are removed on the way.
    func endWebSession(tokenHash: String) async throws -> Bool
    /// Records an API token (audited `token.create`). Throws ``StoreError/refused(_:)`` for a scope the
    /// user's roles do not allow, ``StoreError/notFound(_:)`` for an unknown or disabled user.
    func createAPIToken(_ token: NewAPIToken, actor: AuditActor) async throws -> APIToken
    /// The token whose value hashes to `tokenHash` with its user, or nil when there is none, it was
    /// revoked, or its user is disabled.
    func apiGrant(tokenHash: String) async throws -> APIGrant?
    /// Every token of `userName` (every token when nil), newest first, revoked ones included.
    func apiTokens(userName: String?) async throws -> [APIToken]
    /// Revokes a token (audited `token.revoke`); false when it was already revoked. Throws
    /// ``StoreError/notFound(_:)`` for an unknown id.
    func revokeAPIToken(id: Int64, actor: AuditActor) async throws -> Bool

    // MARK: Approvals and overrides

    /// Records an approval or a rejection by `actor` (audited `campaign.approve` / `campaign.reject`),
    /// bound to what the approver saw and to the campaign's overrides so far. Throws
    /// ``StoreError/refused(_:)`` when `actor` is the campaign's author (``Campaign/createdBy``), edited
    /// its content since (a `campaign.update` event), or is the system, or the campaign is not a draft,
    /// scheduled or paused.
    func recordApproval(campaign: CampaignID, _ approval: NewApproval, actor: AuditActor) async throws -> CampaignApproval
    /// A campaign's decisions, oldest first (the last one counts).
    func approvals(campaign: CampaignID) async throws -> [CampaignApproval]
    /// Records a request to turn the `error` finding `code` into an `approval` finding (audited
    /// `campaign.override`). Whether the code may be overridden at all is the caller's check
    /// (`OverridePolicy`). Throws ``StoreError/refused(_:)`` unless the campaign is a draft, scheduled or paused.
    func addOverride(campaign: CampaignID, code: String, reason: String, actor: AuditActor) async throws -> OverrideRequest
    /// A campaign's override requests, oldest first.
    func overrides(campaign: CampaignID) async throws -> [OverrideRequest]

    // MARK: Secrets

    /// The store-wide secret `name` (for example the unsubscribe-token key), created from `make()` by
    /// the first caller: every host sharing the store gets the same value, and concurrent first
    /// callers agree on one (the first insert wins).
    func secret(named name: String, orCreate make: @Sendable () -> String) async throws -> String

    // MARK: Audit

    /// Appends an audit event.
    @discardableResult
    func appendAudit(_ event: NewAuditEvent) async throws -> AuditEvent
    /// Audit events matching the query, oldest first.
    func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent]

    // MARK: Webhooks and metrics

    /// The key of the last audit event the webhook at `url` is done with (delivered or given up). A
    /// webhook seen for the first time starts at the end of the audit log: it gets what happens from
    /// now on, not the history.
    func webhookCursor(url: String) async throws -> Int64
    /// Takes or renews `holder`'s hold of the webhook at `url` for `seconds` (the store's clock): true
    /// when nobody else holds it, false while another holder's hold lasts. One holder at a time
    /// delivers a webhook's events, so several workers of one store send each event once.
    func holdWebhook(url: String, holder: String, seconds: Int) async throws -> Bool
    /// Appends one attempt to the webhook delivery log; with `advancingCursor` (the event is done
    /// with: delivered, or given up) the webhook's cursor moves to the attempt's audit event in the
    /// same transaction. A cursor never moves back.
    func recordWebhookAttempt(_ attempt: NewWebhookAttempt, advancingCursor: Bool) async throws
    /// Moves the webhook's cursor to `auditID` (past events that concern no webhook); never back.
    func advanceWebhookCursor(url: String, to auditID: Int64) async throws
    /// The delivery log, newest first.
    func webhookAttempts(limit: Int) async throws -> [WebhookAttempt]
    /// What waits to be delivered (a cheap count for `/metrics`).
    func queueDepth() async throws -> QueueDepth
}

extension MailStore {
    /// Queues the campaign's recipients without a bound (see ``enqueueRecipients(campaign:atMost:)``).
    @discardableResult
    public func enqueueRecipients(campaign: CampaignID) async throws -> Int {
        try await enqueueRecipients(campaign: campaign, atMost: nil)
    }

    /// ``release(_:lastReply:)`` keeping each entry's last reply.
    @discardableResult
    public func release(_ entries: [LedgerEntry]) async throws -> Int {
        try await release(entries, lastReply: nil)
    }

    /// How many of the campaign's entries are in each state.
    public func ledgerCounts(campaign: CampaignID) async throws -> LedgerCounts {
        try await ledgerCounts(campaign: campaign, updatedSince: nil)
    }

    /// ``transition(_:from:to:actor:details:deadline:)`` without extra details or deadline.
    public func transition(_ id: CampaignID, from: Set<CampaignState>, to: CampaignState, actor: AuditActor) async throws -> Campaign {
        try await transition(id, from: from, to: to, actor: actor, details: [:], deadline: nil)
    }

    /// ``transition(_:from:to:actor:details:deadline:)`` without a deadline.
    public func transition(
        _ id: CampaignID, from: Set<CampaignState>, to: CampaignState, actor: AuditActor, details: [String: JSONValue]
    ) async throws -> Campaign {
        try await transition(id, from: from, to: to, actor: actor, details: details, deadline: nil)
    }

    /// Streams a campaign's ledger (optionally only some states), fetching `pageSize` entries at a
    /// time, so memory stays bounded however large the campaign.
    ///
    /// ```swift
    /// for try await entry in store.ledgerEntries(campaign: id) { print(entry.address, entry.state) }
    /// ```
    public func ledgerEntries(campaign: CampaignID, states: Set<LedgerState>? = nil, pageSize: Int = 1000) -> LedgerStream {
        LedgerStream(store: self, query: LedgerQuery(campaignID: campaign, states: states, limit: max(1, pageSize)))
    }
}

/// An `AsyncSequence` over a campaign's ledger, paged by key (see ``MailStore/ledgerEntries(campaign:states:pageSize:)``).
public struct LedgerStream: AsyncSequence, Sendable {
    /// Entries.
    public typealias Element = LedgerEntry
    let store: any MailStore
    let query: LedgerQuery

    /// Starts reading from the first page.
    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, query: query)
    }

    /// Fetches one page when the previous one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let store: any MailStore
        var query: LedgerQuery
        var page: [LedgerEntry] = []
        var index = 0
        var finished = false

        /// The next entry, or nil at the end.
        public mutating func next() async throws -> LedgerEntry? {
            if index == page.count {
                guard !finished else { return nil }
                page = try await store.ledgerPage(query)
                index = 0
                finished = page.count < query.limit
                guard let last = page.last else { return nil }
                query.afterID = last.id
            }
            defer { index += 1 }
            return page[index]
        }
    }
}
