public import Foundation
import Synchronization
public import TesseraDomain

/// Journeys: drafts, publication (with every reference checked), the lifecycle, and the step loop
/// workers run (``runDue(at:limit:)``).
///
/// A step is claimed under a lease, decided by the pure ``JourneyMachine`` from the member's facts,
/// and written in one transaction with all its effects, only if the lease still holds — so a worker
/// killed anywhere neither loses the step (the lease runs out and another worker takes it) nor
/// applies it twice (messages also carry the idempotency key `(journey version, member, node,
/// entry)`).
public final class JourneyService: Sendable {
    public let store: any TesseraStore
    public let segments: SegmentService
    let derived: DerivedStateService?
    let ids: any IDGenerator
    /// Channels every brand has; others are configured per brand (``ChannelConfiguration``). The
    /// log channel is the outbox itself: a message is delivered when it is written.
    public static let channels: Set<String> = ["log"]
    /// How long a claimed step stays with its worker before another may take it (60 s by default).
    public let leaseSeconds: Int64
    /// Rewrites message links to pass through `GET /r/{token}` when the server's public address is known.
    public let links: LinkTracker?
    /// Published versions never change, so their parsed definitions are cached for good.
    private let definitions = Mutex<[String: JourneyDefinition]>([:])

    public init(
        store: any TesseraStore, segments: SegmentService, derived: DerivedStateService? = nil,
        ids: any IDGenerator = TimeOrderedIDGenerator(), leaseSeconds: Int64 = 60, publicURL: String? = nil
    ) {
        self.store = store
        links = publicURL.map(LinkTracker.init)
        self.leaseSeconds = leaseSeconds
        self.segments = segments
        self.derived = derived
        self.ids = ids
    }

    // MARK: Definitions and lifecycle

    /// Saves a draft (any JSON object; it is checked when published or validated).
    public func save(name: String, draft: JSONValue, group: GroupID, brand: BrandID, at: Date) async throws
        -> (record: JourneyRecord, created: Bool)
    {
        guard SegmentRuleParser.isPlainName(name) else {
            throw TesseraError.invalid(field: "name", reason: "names use letters, digits and _ only (at most 64)")
        }
        guard case .object = draft else { throw TesseraError.invalid(field: "$", reason: "expected a JSON object") }
        return try await store.saveJourney(group: group, brand: brand, name: name, draft: draft, id: ids.next(), at: at)
    }

    /// The definition in `json`, with every reference checked against the brand: segments exist,
    /// tags are in the catalogue and set by hand or by journeys, channels are known.
    public func validate(_ json: JSONValue, group: GroupID, brand: BrandID) async throws -> JourneyDefinition {
        let definition = try JourneyParser.parse(json)
        for segment in definition.segments.sorted() {
            guard try await store.segment(group: group, brand: brand, id: segment) != nil else {
                throw FieldError(path: "$", reason: "segment \(segment) does not exist in this brand")
            }
        }
        let catalogue = Dictionary(
            try await store.tags(group: group, brand: brand).map { ($0.definition.name, $0.definition.kind) },
            uniquingKeysWith: { first, _ in first })
        let templates = Set(try await store.messageTemplates(group: group, brand: brand).map(\.name))
        let configured = try await store.channels(group: group, brand: brand)
        for (id, node) in definition.nodes.sorted(by: { $0.key < $1.key }) {
            switch node {
            case .tag(let name, let add, _):
                let path = "$.nodes.\(id).\(add ? "tag" : "untag").name"
                guard let kind = catalogue[name] else {
                    throw FieldError(path: path, reason: "\(name) is not in the brand's tag catalogue")
                }
                guard kind == .manual || kind == .process else {
                    throw FieldError(
                        path: path, reason: "\(name) is a \(kind.rawValue) tag, which follows its definition")
                }
            case .send(let channel, let template, _, _):
                guard Self.channels.contains(channel) || configured[channel] != nil else {
                    throw FieldError(
                        path: "$.nodes.\(id).send.channel",
                        reason:
                            "unknown channel \(channel); configure it with PUT /api/v1/channels/\(channel) (built in: "
                            + Self.channels.sorted().joined(separator: ", ") + ")")
                }
                guard templates.contains(template) else {
                    throw FieldError(
                        path: "$.nodes.\(id).send.template",
                        reason:
                            "no message template \(template); create it with PUT /api/v1/message-templates/\(template)")
                }
            case .grant(.coupon(let template), _, _):
                let coupons = try await store.couponTemplates(group: group, brand: brand)
                guard let record = coupons.first(where: { $0.id == template }) else {
                    throw FieldError(
                        path: "$.nodes.\(id).grant.coupon", reason: "no coupon template \(template) in this brand")
                }
                guard record.active else {
                    throw FieldError(
                        path: "$.nodes.\(id).grant.coupon", reason: "coupon template \(template) is disabled")
                }
            default: break
            }
        }
        return definition
    }

    public func publish(id: String, group: GroupID, brand: BrandID, at: Date) async throws -> JourneyRecord {
        guard let journey = try await store.journey(group: group, brand: brand, id: id) else {
            throw TesseraError.notFound("no journey \(id) in this brand")
        }
        let definition = try await validate(journey.draft, group: group, brand: brand)
        let timeZone = try await segments.context(group: group, brand: brand, at: at).timeZone
        return try await store.publishJourney(
            group: group, brand: brand, id: id, definition: definition, timeZone: timeZone, at: at)
    }

    public func setStatus(_ status: JourneyRecord.Status, id: String, group: GroupID, brand: BrandID, at: Date)
        async throws -> JourneyRecord
    {
        try await store.setJourneyStatus(group: group, brand: brand, id: id, to: status, at: at)
    }

    // MARK: Dry run

    /// How many members each node would see if the journey's draft ran now (`POST …/estimate`): the
    /// entry's audience — the segment's members now, or for an event entry the members who did the
    /// event in the last 30 days — then, along every path, conditions as segment estimates (the entry's
    /// audience and every condition on the way, evaluated by the segment SQL: exact for small member
    /// bases, from the fixed sample for large ones, ``SegmentService/estimate(_:group:brand:at:exact:)``),
    /// splits by their weights,
    /// and waits for an event as an upper bound on both branches. A node several paths reach sums
    /// them; a loop is followed once.
    public func estimate(_ json: JSONValue, group: GroupID, brand: BrandID, at: Date) async throws -> [String: Int64] {
        let definition = try await validate(json, group: group, brand: brand)
        let audience: SegmentRule =
            switch definition.entry {
            case .event(let matcher, _, _, _): .event(EventCondition(matcher, window: .lastDays(30)))
            case .scheduledOnce(let segment, _), .recurring(let segment, _): .segment(segment)
            }
        var counts: [String: Int64] = [:]
        /// (node, the rules that select who reaches it, the share of them the splits let through, the
        /// nodes on the way — a loop is followed once)
        var frontier: [(node: String, rule: [SegmentRule], share: Double, path: Set<String>)] = [
            (definition.start, [audience], 1, [])
        ]
        while let (id, rule, share, path) = frontier.popLast() {
            guard !path.contains(id), let node = definition.nodes[id] else { continue }
            let reaching = Int64(
                (Double(try await segments.estimate(.and(rule), group: group, brand: brand, at: at).count) * share)
                    .rounded())
            counts[id, default: 0] += reaching
            let onward = path.union([id])
            switch node {
            case .condition(let test, let yes, let no):
                frontier.append((yes, rule + [test], share, onward))
                frontier.append((no, rule + [.not(test)], share, onward))
            case .filter(.rule(let test), let next):
                frontier.append((next, rule + [test], share, onward))
            case .split(let branches):
                let total = Double(branches.reduce(0) { $0 + $1.weight })
                for branch in branches {
                    guard let next = branch.next else { continue }
                    frontier.append((next, rule, share * Double(branch.weight) / total, onward))
                }
            default:
                for next in node.successors { frontier.append((next, rule, share, onward)) }
            }
        }
        return counts
    }

    // MARK: Results

    /// The journey's report over `windowDays` (``JourneyReport``), for its current version's splits.
    public func report(
        id: String, group: GroupID, brand: BrandID, windowDays: Int, model: AttributionModel = .touch, at: Date
    ) async throws -> JourneyReport {
        guard let journey = try await store.journey(group: group, brand: brand, id: id) else {
            throw TesseraError.notFound("no journey \(id) in this brand")
        }
        var splits: [String: [JourneyBranch]] = [:]
        if journey.version > 0,
            let json = try await store.journeyVersion(group: group, journeyID: id, version: journey.version)
        {
            for case (let node, .split(let branches)) in try JourneyParser.parse(json).nodes { splits[node] = branches }
        }
        let raw = try await store.journeyAttribution(
            group: group, brand: brand, journeyID: id, window: Int64(windowDays) * 86_400_000_000,
            splitNodes: splits.keys.sorted(), model: model)
        var nodes: [String: JourneyReport.NodeResult] = [:]
        let ordersByNode = Dictionary(grouping: raw.orders, by: \.node)
        for node in Set(ordersByNode.keys).union(raw.messages.keys) {
            let orders = ordersByNode[node] ?? []
            nodes[node] = JourneyReport.NodeResult(
                delivered: raw.messages[node]?.delivered ?? 0, clicked: raw.messages[node]?.clicked ?? 0,
                orders: Int64(orders.count), buyers: Int64(Set(orders.map(\.member)).count),
                amountMinor: orders.reduce(0) { $0 + $1.amountMinor })
        }
        let timeZone = try await segments.context(group: group, brand: brand, at: at).timeZone
        var results: [String: [JourneyReport.BranchResult]] = [:]
        for (node, branches) in splits {
            let figures = Dictionary(
                raw.branches.filter { $0.node == node }.map { ($0.branch, ($0.members, $0.converted)) },
                uniquingKeysWith: { first, _ in first })
            let control = branches.first { $0.next == nil }.flatMap { figures[$0.name] }
            results[node] = branches.map { branch in
                let (members, converted) = figures[branch.name] ?? (0, 0)
                let comparison =
                    branch.next == nil
                    ? nil
                    : control.flatMap { control in
                        TwoProportionTest(
                            conversions: Int(converted), of: Int(members), controlConversions: Int(control.1),
                            of: Int(control.0))
                    }.map {
                        JourneyReport.Comparison(
                            difference: $0.difference, z: $0.z, pValue: $0.pValue, confidenceLow: $0.confidenceLow,
                            confidenceHigh: $0.confidenceHigh, significant: $0.significant)
                    }
                return JourneyReport.BranchResult(
                    branch: branch.name, members: members, converted: converted,
                    rate: members > 0 ? Double(converted) / Double(members) : 0, versusControl: comparison)
            }
        }
        return JourneyReport(
            windowDays: windowDays, model: model, covered: raw.covered, notified: raw.notified, clicked: raw.clicked,
            buyers: Int64(Set(raw.orders.map(\.member)).count), orders: Int64(raw.orders.count),
            amountMinor: raw.orders.reduce(0) { $0 + $1.amountMinor }, nodes: nodes, splits: results,
            daily: Self.daily(raw, timeZone: timeZone), topProducts: raw.products, loyalty: raw.loyalty)
    }

    /// Deliveries, clicks and attributed orders folded into the local days of `timeZone`.
    static func daily(_ raw: JourneyAttribution, timeZone: TimeZone) -> [JourneyReport.DayResult] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        func day(_ micros: Int64) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: Timestamp.date(micros))
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
        var days: [String: JourneyReport.DayResult] = [:]
        func result(_ key: String) -> JourneyReport.DayResult {
            days[key]
                ?? JourneyReport.DayResult(day: key, delivered: 0, clicked: 0, orders: 0, buyers: 0, amountMinor: 0)
        }
        for (quarter, messages) in raw.byQuarterHour {
            let key = day(quarter * 900_000_000)
            var entry = result(key)
            entry.delivered += messages.delivered
            entry.clicked += messages.clicked
            days[key] = entry
        }
        for (key, orders) in Dictionary(grouping: raw.orders, by: { day($0.purchasedAt) }) {
            var entry = result(key)
            entry.orders = Int64(orders.count)
            entry.buyers = Int64(Set(orders.map(\.member)).count)
            entry.amountMinor = orders.reduce(0) { $0 + $1.amountMinor }
            days[key] = entry
        }
        return days.values.sorted { $0.day < $1.day }
    }

    // MARK: Running

    /// Enters a chunk of each due schedule's members (unless `enteringSchedules` is false: the worker
    /// enters schedules on its own clock, off the path of event-triggered steps) and runs up to `limit` due steps (of
    /// one group, or of every group: what workers do); answers the steps applied.
    @discardableResult
    public func runDue(at now: Date, limit: Int = 500, group only: GroupID? = nil, enteringSchedules: Bool = true)
        async throws -> Int
    {
        if enteringSchedules { _ = try await store.enterScheduledJourneys(now: now, group: only, lease: nil) }
        let token = ids.next()
        let runs = try await store.claimJourneyRuns(
            now: now, limit: limit, leaseSeconds: leaseSeconds, token: token, group: only)
        return try await step(runs, token: token, at: now)
    }

    /// Enters a chunk of each due schedule's members (of one group, or of all) with the runs leased to the
    /// caller under a new token, which it steps with ``step(_:token:at:)`` before the lease
    /// (``leaseSeconds``) runs out; runs it does not step are leased again by any worker afterwards.
    public func enterScheduledLeased(at now: Date, group: GroupID? = nil) async throws
        -> (unfinished: Int, runs: [JourneyRun], token: String)
    {
        let token = ids.next()
        let entry = try await store.enterScheduledJourneys(
            now: now, group: group, lease: (token, leaseSeconds))
        return (entry.unfinished, entry.runs, token)
    }

    /// Decides, renders and writes the next step of `runs`, leased under `token`; answers the
    /// steps applied (a run whose lease was lost meanwhile is not applied).
    public func step(_ runs: [JourneyRun], token: String, at now: Date) async throws -> Int {
        guard !runs.isEmpty else { return 0 }
        var steps: [JourneyStep] = []
        let micros = Timestamp.micros(now)
        for ((group, brand), batch) in Dictionary(grouping: runs, by: { BrandKey(group: $0.group, brand: $0.brandID) })
            .map({ (($0.key.group, $0.key.brand), $0.value) })
        {
            let context = try await segments.context(group: group, brand: brand, at: now)
            let policy = try await deliveryPolicy(group: group, brand: brand, timeZone: context.timeZone)
            let consents = try await store.channels(group: group, brand: brand).compactMapValues {
                JourneyMachine.consent(forKind: $0.kind)
            }
            var machines: [String: JourneyMachine] = [:]
            for run in batch where machines[Self.versionKey(run)] == nil {
                machines[Self.versionKey(run)] = JourneyMachine(
                    definition: try await definition(of: run), context: context, policy: policy, consents: consents)
            }
            let sources = Dictionary(
                try await store.messageTemplates(group: group, brand: brand).map { ($0.name, $0) },
                uniquingKeysWith: { first, _ in first })
            let templates = sources.mapValues { $0.compiled() }
            let sent =
                policy.caps.isEmpty
                ? [:]
                : try await store.recentDeliveries(
                    group: group, members: batch.map(\.member), since: micros - 7 * 86_400_000_000)
            // What the plans' rules read, and what their messages' templates render.
            var needs = SegmentRule.Needs()
            for machine in machines.values {
                needs.formUnion(machine.needs)
                for name in machine.definition.templateNames {
                    if let source = sources[name] { needs.formUnion(source.needs) }
                }
            }
            let facts = try await store.memberFacts(
                group: group, brand: brand, members: batch.map(\.member), needs: needs)
            let messages =
                machines.values.contains(where: \.readsMessages)
                ? try await store.journeyMessageStates(group: group, runs: batch) : [:]
            for run in batch {
                guard let machine = machines[Self.versionKey(run)] else { continue }
                // A member merged away or deleted since entering leaves with nothing done.
                let advance =
                    facts[run.member].map {
                        machine.advance(
                            from: run.state, facts: $0, now: micros,
                            key: "\(Self.versionKey(run))|\(run.member.rawValue)|\(run.entryKey)",
                            sent: sent[run.member] ?? [:], messages: messages[run.id] ?? [:])
                    } ?? JourneyAdvance(actions: [], next: .finished(node: run.state.node, .exited))
                var rendered: [String: MessageTemplate.Rendered] = [:]
                var links: [JourneyLink] = []
                if let member = facts[run.member] {
                    for case .send(let node, _, let name) in advance.actions {
                        guard let message = templates[name]?.render(member, brand: brand.rawValue) else { continue }
                        guard let tracker = self.links else {
                            rendered[node] = message
                            continue
                        }
                        let tracked = tracker.track(message, messageKey: run.effectKey(node: node))
                        (rendered[node], links) = (tracked.0, links + tracked.1)
                    }
                }
                steps.append(
                    JourneyStep(
                        run: run, advance: advance, wakeOn: Self.wakeOn(advance, machine.definition),
                        rendered: rendered,
                        links: links))
            }
        }
        let applied = try await store.completeJourneySteps(steps, token: token, at: now)
        if let derived {
            let tagged = steps.filter { step in
                step.advance.actions.contains { if case .tag = $0 { true } else { false } }
            }
            for ((group, brand), batch) in Dictionary(
                grouping: tagged, by: { BrandKey(group: $0.run.group, brand: $0.run.brandID) }
            )
            .map({ (($0.key.group, $0.key.brand), $0.value) }) {
                try await derived.membersChanged(Set(batch.map(\.run.member)), group: group, brand: brand, at: now)
            }
        }
        return applied.count
    }

    /// Applies up to `limit` queued grants through the loyalty services (of one group, or all), each
    /// once by its step's idempotency key; answers how many were attempted. A refusal (out of stock,
    /// the member's coupon limit, a disabled template) fails the grant with the loyalty code as its
    /// reason; anything else is retried after 10 s × 2^attempts, 8 times at most.
    @discardableResult
    public func grantDue(at now: Date, limit: Int = 100, group only: GroupID? = nil) async throws -> Int {
        let token = ids.next()
        let grants = try await store.claimQueuedGrants(
            now: now, limit: limit, leaseSeconds: leaseSeconds, token: token, group: only)
        guard !grants.isEmpty else { return 0 }
        var outcomes: [(grant: QueuedGrant, outcome: QueuedGrant.Outcome, retryAt: Date?)] = []
        for grant in grants {
            let outcome = await apply(grant, at: now)
            var retryAt: Date?
            if case .retry = outcome, grant.attempts + 1 < 8 {
                retryAt = now.addingTimeInterval(min(10 * pow(2, Double(grant.attempts)), 3_600))
            }
            outcomes.append((grant, outcome, retryAt))
        }
        try await store.recordGrants(outcomes, token: token, at: now)
        return grants.count
    }

    private func apply(_ queued: QueuedGrant, at now: Date) async -> QueuedGrant.Outcome {
        guard let grant = queued.grant else { return .failed(reason: "invalid", detail: "unreadable grant") }
        let (group, brand, member) = (queued.group, queued.brandID, queued.member)
        let key = "journey:\(queued.key)"
        let reason = "journey \(queued.journeyID) node \(queued.node)"
        let source = PointsSource(type: "journey", id: "\(queued.journeyID)/\(queued.node)")
        do {
            switch grant {
            case .coupon(let template):
                let issued = try await LoyaltyService(store: store).issueCoupon(
                    template: template, group: group, brand: brand, member: member, idempotencyKey: key, at: now)
                return .granted(result: issued.coupon.code)
            case .points(let points):
                _ = try await LoyaltyService(store: store).earn(
                    points, group: group, brand: brand, member: member, reason: reason, source: source,
                    idempotencyKey: key, at: now)
                return .granted(result: "\(points)")
            case .growth(let growth):
                _ = try await store.grantGrowth(
                    growth, group: group, brand: brand, member: member, reason: reason, source: source,
                    idempotencyKey: key, at: now)
                return .granted(result: "\(growth)")
            case .benefit(let benefit, let days):
                let granted = try await store.grantBenefit(
                    benefit, group: group, brand: brand, member: member, validFrom: now,
                    validUntil: now.addingTimeInterval(Double(days) * 86_400), idempotencyKey: key, at: now)
                return .granted(result: granted.id)
            }
        } catch let error as LoyaltyError {
            return .failed(reason: error.code, detail: error.message)
        } catch TesseraError.rejected(let code, _, let detail) {
            return .failed(reason: code, detail: detail)
        } catch TesseraError.notFound(let detail) {
            return .failed(reason: "not_found", detail: detail)
        } catch {
            return .retry(detail: "\(error)")
        }
    }

    /// Emits the marketing events whose time has come — expiring coupons and points, birthdays in each
    /// brand's time zone — once each; answers how many were emitted.
    @discardableResult
    public func emitMarketingEvents(at now: Date, group only: GroupID? = nil) async throws -> Int {
        var emitted = try await store.emitExpiryEvents(at: now, group: only)
        let groups: [GroupID]
        if let only { groups = [only] } else { groups = try await store.groupIDs() }
        for group in groups {
            for brand in try await store.brands(group: group) {
                let timeZone = try await segments.context(group: group, brand: brand.id, at: now).timeZone
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = timeZone
                for days in MarketingEvent.birthdayHorizons {
                    guard let target = calendar.date(byAdding: .day, value: days, to: now) else { continue }
                    let parts = calendar.dateComponents([.year, .month, .day], from: target)
                    guard let year = parts.year, let month = parts.month, let day = parts.day else { continue }
                    var monthDays = [String(format: "%02d-%02d", month, day)]
                    // Born on 29 February: celebrated on the 28th when the year has no 29th.
                    let leap = calendar.range(of: .day, in: .month, for: target)?.count == 29
                    if month == 2, day == 28, !leap { monthDays.append("02-29") }
                    emitted += try await store.emitBirthdayEvents(
                        group: group, brand: brand.id, monthDays: monthDays, daysBefore: days, year: year, at: now)
                }
            }
        }
        return emitted
    }

    /// Enters members into journeys started by domain events (``MarketingEvent``, tier and points
    /// changes…) written since the last scan; answers the entries.
    @discardableResult
    public func enterOnDomainEvents(at now: Date, group: GroupID? = nil) async throws -> Int {
        try await store.enterOnDomainEvents(now: now, lookbackSeconds: 600, group: group)
    }

    private struct BrandKey: Hashable {
        var group: GroupID
        var brand: BrandID
    }

    private static func versionKey(_ run: JourneyRun) -> String {
        "\(run.group.rawValue)/\(run.journeyID)/\(run.version)"
    }

    /// The event that ends the wait the step leaves the run in early, if any.
    static func wakeOn(_ advance: JourneyAdvance, _ definition: JourneyDefinition) -> String? {
        guard case .wait(let state, _) = advance.next else { return nil }
        if state.entering, case .event(_, _, let unless?, _) = definition.entry { return unless.name }
        if case .waitForEvent(let matcher, _, _, _)? = definition.nodes[state.node] { return matcher.name }
        return nil
    }

    /// The brand's delivery policy (caps and quiet hours); none saved is no caps and no quiet hours.
    public func deliveryPolicy(group: GroupID, brand: BrandID, timeZone: TimeZone) async throws -> DeliveryPolicy {
        guard let json = try await store.deliveryPolicy(group: group, brand: brand) else {
            return DeliveryPolicy(timeZone: timeZone)
        }
        return try DeliveryPolicy.parse(json, timeZone: timeZone)
    }

    /// Checks and saves the brand's delivery policy.
    public func saveDeliveryPolicy(_ json: JSONValue, group: GroupID, brand: BrandID, at: Date) async throws
        -> DeliveryPolicy
    {
        let context = try await segments.context(group: group, brand: brand, at: at)
        let policy = try DeliveryPolicy.parse(json, timeZone: context.timeZone)
        try await store.saveDeliveryPolicy(policy.json, group: group, brand: brand, at: at)
        return policy
    }

    private func definition(of run: JourneyRun) async throws -> JourneyDefinition {
        let key = Self.versionKey(run)
        if let cached = definitions.withLock({ $0[key] }) { return cached }
        guard
            let json = try await store.journeyVersion(group: run.group, journeyID: run.journeyID, version: run.version)
        else { throw TesseraError.notFound("journey \(run.journeyID) has no version \(run.version)") }
        let definition = try JourneyParser.parse(json)
        definitions.withLock { $0[key] = definition }
        return definition
    }
}
