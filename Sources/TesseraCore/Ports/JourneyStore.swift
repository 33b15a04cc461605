public import Foundation
public import TesseraDomain

/// Journeys as stored: definitions and versions, runs claimed and advanced by workers, and the
/// outbox of messages. Every step's effects are written in one transaction with the run's new
/// position, guarded by the lease the worker claimed it under, so a step applies at most once.
public protocol JourneyStore: Sendable {
    /// Creates the journey (as a draft) or replaces its draft; `created` tells which.
    func saveJourney(group: GroupID, brand: BrandID, name: String, draft: JSONValue, id: String, at: Date)
        async throws -> (record: JourneyRecord, created: Bool)
    func journeys(group: GroupID, brand: BrandID) async throws -> [JourneyRecord]
    func journey(group: GroupID, brand: BrandID, id: String) async throws -> JourneyRecord?
    func journey(group: GroupID, brand: BrandID, named name: String) async throws -> JourneyRecord?
    /// Publishes `definition` as the next version: its event trigger or schedule replaces the
    /// previous version's; runs already in flight keep theirs.
    /// Recurring schedules count their local times in `timeZone` (the brand's).
    func publishJourney(
        group: GroupID, brand: BrandID, id: String, definition: JourneyDefinition, timeZone: TimeZone, at: Date
    ) async throws -> JourneyRecord
    /// Pauses, resumes or stops; stopping ends every run in flight (outcome `stopped`).
    func setJourneyStatus(group: GroupID, brand: BrandID, id: String, to status: JourneyRecord.Status, at: Date)
        async throws -> JourneyRecord
    /// The definition of a published version, as JSON.
    func journeyVersion(group: GroupID, journeyID: String, version: Int64) async throws -> JSONValue?
    /// Enters the members of due schedules (of one group, or of all), a chunk of each schedule's
    /// segment per call and transaction; answers how many schedules have members left to enter, for
    /// which it is to be called again. With a `lease`, the runs entered are leased for `seconds`
    /// under `token` and answered, for the caller to step.
    func enterScheduledJourneys(now: Date, group: GroupID?, lease: (token: String, seconds: Int64)?) async throws
        -> ScheduledEntry
    /// Leases up to `limit` due runs of published journeys (of one group, or of all) until
    /// `now + leaseSeconds` under `token`.
    func claimJourneyRuns(now: Date, limit: Int, leaseSeconds: Int64, token: String, group: GroupID?) async throws
        -> [JourneyRun]
    /// Applies the steps of runs still leased under `token`; answers the runs applied.
    func completeJourneySteps(_ steps: [JourneyStep], token: String, at: Date) async throws -> [JourneyRun]
    func journeyStatistics(group: GroupID, journeyID: String) async throws -> JourneyStatistics
    /// The raw figures of ``JourneyReport``: members covered, notified and clicking, the orders
    /// attributed to the journey by last touch (or last click) within `window` (microseconds) with
    /// their node and their top products, messages per node and per quarter hour, and per split node
    /// and branch the members and those who bought within `window` after entering it.
    func journeyAttribution(
        group: GroupID, brand: BrandID, journeyID: String, window: Int64, splitNodes: [String],
        model: AttributionModel
    ) async throws -> JourneyAttribution
    /// The journey's messages, newest first, optionally of one status and reason: the drill-down
    /// from a failure count to the members behind it.
    func journeyMessages(group: GroupID, journeyID: String, status: String?, reason: String?, limit: Int)
        async throws -> [JourneyMessage]
    func saveChannel(name: String, _ configuration: ChannelConfiguration, group: GroupID, brand: BrandID, at: Date)
        async throws
    func channels(group: GroupID, brand: BrandID) async throws -> [String: ChannelConfiguration]
    /// Leases up to `limit` queued messages whose next attempt is due, with their channel's settings.
    func claimQueuedMessages(now: Date, limit: Int, leaseSeconds: Int64, token: String) async throws
        -> [OutboundMessage]
    /// Leases up to `limit` queued journey grants whose time has come (of one group, or all).
    func claimQueuedGrants(now: Date, limit: Int, leaseSeconds: Int64, token: String, group: GroupID?) async throws
        -> [QueuedGrant]
    /// Records grants still leased under `token`: granted, retried at the time given, or failed.
    func recordGrants(
        _ outcomes: [(grant: QueuedGrant, outcome: QueuedGrant.Outcome, retryAt: Date?)], token: String, at: Date)
        async throws
    /// Grants per node by status (`queued`, `granted`, `failed:<reason>`).
    func journeyGrants(group: GroupID, journeyID: String) async throws -> [String: [String: Int64]]
    /// The brand's guide tasks, soonest due first, optionally of one guide and status.
    func guideTasks(group: GroupID, brand: BrandID, guide: String?, status: String?, limit: Int) async throws
        -> [GuideTask]
    /// Marks an open task done; false when there is no such open task.
    func completeGuideTask(id: String, group: GroupID, brand: BrandID, at: Date) async throws -> Bool
    /// Emits `coupon.expiring` and `points.expiring` for every horizon now reached (once each), in one
    /// group or all.
    func emitExpiryEvents(at: Date, group: GroupID?) async throws -> Int
    /// Emits `birthday.upcoming` (`daysBefore`) for the brand's members born on one of `monthDays`
    /// (`MM-DD`), once per member and `year`.
    func emitBirthdayEvents(group: GroupID, brand: BrandID, monthDays: [String], daysBefore: Int, year: Int, at: Date)
        async throws -> Int
    /// A product's new price: every member whose cart holds the SKU at a higher price gets a
    /// `cart.price_dropped` event (once per member, SKU and price); answers how many.
    func recordPrices(_ prices: [(sku: String, priceMinor: Int64)], group: GroupID, brand: BrandID, at: Date)
        async throws -> Int
    /// Enters members into the published journeys that domain events written since the last scan
    /// (at first, `lookbackSeconds` back) trigger, and wakes runs waiting for them; answers the entries.
    func enterOnDomainEvents(now: Date, lookbackSeconds: Int64, group: GroupID?) async throws -> Int
    /// Where each run's messages stand, by run id and send node (for filters on what happened since).
    func journeyMessageStates(group: GroupID, runs: [JourneyRun]) async throws
        -> [String: [String: JourneyMessageState]]
    /// Records a click on the tracked link `token` (and the message's first click); answers where it
    /// leads, or `nil` for an unknown token.
    func followLink(token: String, at: Date) async throws -> String?
    /// Where each member can be reached: contact identifiers and store guide (for test sends).
    func messageRecipients(group: GroupID, members: [MemberID]) async throws -> [MemberID: MessageRecipient]
    /// Records attempts of messages still leased under `token`: delivered, retried at the time given,
    /// or failed for good (`provider_error`, the detail kept).
    func recordDeliveries(
        _ outcomes: [(message: OutboundMessage, outcome: DeliveryOutcome, retryAt: Date?)], token: String, at: Date
    ) async throws
    func saveMessageTemplate(_ template: MessageTemplate, group: GroupID, brand: BrandID, at: Date) async throws
    func messageTemplates(group: GroupID, brand: BrandID) async throws -> [MessageTemplate]
    /// The brand's delivery policy as saved (JSON), or nil for none.
    func deliveryPolicy(group: GroupID, brand: BrandID) async throws -> JSONValue?
    func saveDeliveryPolicy(_ policy: JSONValue, group: GroupID, brand: BrandID, at: Date) async throws
    /// Each member's messages delivered since `since` (microseconds): channel → times.
    func recentDeliveries(group: GroupID, members: [MemberID], since: Int64) async throws
        -> [MemberID: [String: [Int64]]]
}
