import Foundation
public import Hummingbird
import HTTPTypes
import Logging
import Metrics
public import Prometheus
public import TesseraCore
public import TesseraDomain

/// Builds the Tessera HTTP application: routes, authentication, problem+json errors, metrics.
///
/// ```swift
/// let router = TesseraServer(store: store, registry: registry).router()
/// let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// ```
public struct TesseraServer: Sendable {
    public let store: any TesseraStore
    public let keys: KeyService
    public let ingest: IngestService
    public let segments: SegmentService
    public let derived: DerivedStateService
    public let journeys: JourneyService
    public let registry: PrometheusCollectorRegistry
    /// Where the Segment-compatible endpoints queue what they accept.
    public let ingestLog: IngestLog
    /// Called after each append, to wake the projector.
    let onAppend: @Sendable () -> Void
    /// Refuses a group's Segment requests while its accepted traffic waits too long; `nil`: never.
    let backpressure: IngestBackpressure?
    /// Most messages accepted in one batch.
    public static let maximumBatch = 1_000

    public init(
        store: any TesseraStore, registry: PrometheusCollectorRegistry, ingestLog: IngestLog,
        ingest: IngestService? = nil, segments: SegmentService? = nil, derived: DerivedStateService? = nil,
        journeys: JourneyService? = nil, backpressure: IngestBackpressure? = nil,
        onAppend: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        let segments = segments ?? SegmentService(store: store)
        self.segments = segments
        let derived = derived ?? DerivedStateService(store: store, segments: segments)
        self.derived = derived
        self.journeys = journeys ?? JourneyService(store: store, segments: segments, derived: derived)
        self.keys = KeyService(store: store)
        self.ingest = ingest ?? IngestService(store: store)
        self.registry = registry
        self.ingestLog = ingestLog
        self.onAppend = onAppend
        self.backpressure = backpressure
    }

    var tenancy: TenancyRoutes { TenancyRoutes(store: store, keys: keys, ingest: ingest) }
    var loyalty: LoyaltyRoutes { LoyaltyRoutes(store: store) }
    var coupons: CouponRoutes { CouponRoutes(store: store) }
    var storedValue: StoredValueRoutes { StoredValueRoutes(store: store) }
    var benefits: BenefitRoutes { BenefitRoutes(store: store) }
    var segmentRoutes: SegmentRoutes { SegmentRoutes(segments: segments) }
    var rfmRoutes: RFMRoutes { RFMRoutes(rfm: RFMService(store: store), derived: derived) }
    var tagRoutes: TagRoutes { TagRoutes(tags: TagService(store: store, derived: derived)) }

    public func router() -> Router<TesseraContext> {
        let router = Router(context: TesseraContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: NULCharacterMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(routes: APIRoute.all))
        router.add(middleware: AuthMiddleware(keys: keys))
        for route in APIRoute.all {
            let handler = self.handler(for: route)
            router.on(Self.routerPath(route.path), method: HTTPRequest.Method(route.method.uppercased()) ?? .get) {
                request, context in
                try await handler(request, context)
            }
        }
        return router
    }

    /// Hummingbird's form of an OpenAPI path: `{id}` becomes `:id`.
    private static func routerPath(_ path: String) -> RouterPath {
        RouterPath(path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: ""))
    }

    typealias Handler = @Sendable (Request, TesseraContext) async throws -> Response

    private func handler(for route: APIRoute) -> Handler {
        switch (route.method, route.path) {
        case ("post", "/api/v1/events"): return nativeEvents
        case ("post", "/api/v1/members"): return upsertMember
        case ("get", "/api/v1/members"): return lookupMember
        case ("get", "/api/v1/members/{id}"): return getMember
        case ("get", "/api/v1/members/{id}/timeline"): return timeline
        case ("post", "/api/v1/members/{id}/merge"): return merge
        case ("post", "/api/v1/merges/{id}/undo"): return undoMerge
        case ("get", "/api/v1/merge-candidates"): return candidates
        case ("post", "/api/v1/merge-candidates/{id}/dismiss"): return dismissCandidate
        case ("post", "/api/v1/orders"): return upsertOrder
        case ("get", "/api/v1/openapi.json"): return { _, _ in try OpenAPIDocument.response() }
        case ("get", "/api/v1/brands"): return tenancy.listBrands
        case ("post", "/api/v1/brands"): return tenancy.createBrand
        case ("get", "/api/v1/stores"): return tenancy.listStores
        case ("post", "/api/v1/stores"): return tenancy.createStore
        case ("get", "/api/v1/staff"): return tenancy.listStaff
        case ("post", "/api/v1/staff"): return tenancy.createStaff
        case ("post", "/api/v1/keys"): return tenancy.createKey
        case ("get", "/api/v1/identity-policy"): return tenancy.getPolicy
        case ("put", "/api/v1/identity-policy"): return tenancy.putPolicy
        case ("get", "/api/v1/attributes"): return tenancy.listAttributes
        case ("post", "/api/v1/attributes"): return tenancy.defineAttribute
        case ("get", "/api/v1/ingest/status"): return ingestStatus
        case ("get", "/api/v1/loyalty/program"): return loyalty.getProgram
        case ("put", "/api/v1/loyalty/program"): return loyalty.putProgram
        case ("post", "/api/v1/loyalty/points/expire"): return loyalty.expire
        case ("post", "/api/v1/loyalty/tiers/review"): return loyalty.reviewTiers
        case ("get", "/api/v1/loyalty/earning/status"): return loyalty.earningStatus
        case ("get", "/api/v1/members/{id}/loyalty"): return loyalty.memberLoyalty
        case ("get", "/api/v1/members/{id}/tier-history"): return loyalty.tierHistory
        case ("get", "/api/v1/loyalty/coupon-templates"): return coupons.listTemplates
        case ("post", "/api/v1/loyalty/coupon-templates"): return coupons.createTemplate
        case ("post", "/api/v1/loyalty/coupon-templates/{id}/disable"): return coupons.setTemplateActive(false)
        case ("post", "/api/v1/loyalty/coupon-templates/{id}/enable"): return coupons.setTemplateActive(true)
        case ("post", "/api/v1/loyalty/coupons/issue"): return coupons.issueBulk
        case ("get", "/api/v1/loyalty/coupons/{code}"): return coupons.get
        case ("post", "/api/v1/loyalty/coupons/{code}/quote"): return coupons.quote
        case ("post", "/api/v1/loyalty/coupons/{code}/redeem"): return coupons.redeem
        case ("post", "/api/v1/loyalty/coupons/{code}/void"): return coupons.change { .void(reason: $0) }
        case ("post", "/api/v1/loyalty/coupons/{code}/restore"): return coupons.change { .restore(reason: $0) }
        case ("get", "/api/v1/members/{id}/coupons"): return coupons.memberCoupons
        case ("post", "/api/v1/members/{id}/coupons"): return coupons.issue
        case ("get", "/api/v1/members/{id}/benefits"): return benefits.list
        case ("post", "/api/v1/members/{id}/benefits"): return benefits.grant
        case ("post", "/api/v1/members/{id}/benefits/{benefit}/use"): return benefits.use
        case ("post", "/api/v1/members/{id}/benefits/{benefit}/revoke"): return benefits.revoke
        case ("get", "/api/v1/members/{id}/stored-value"): return storedValue.balance
        case ("get", "/api/v1/members/{id}/stored-value/entries"): return storedValue.entries
        case ("post", "/api/v1/members/{id}/stored-value/top-up"):
            return storedValue.write(.write, reason: "top-up") {
                .topUp(
                    principal: try StoredValueRoutes.amount($0, "principalMinor"),
                    bonus: try $0.integer("bonusMinor") ?? 0)
            }
        case ("post", "/api/v1/members/{id}/stored-value/spend"):
            return storedValue.write(.write, reason: "spent") {
                .spend(try StoredValueRoutes.amount($0, "amountMinor"))
            }
        case ("post", "/api/v1/members/{id}/stored-value/refund"):
            return storedValue.write(.write, reason: "refunded") {
                .refund(try StoredValueRoutes.amount($0, "amountMinor"), spendID: try $0.requiredString("spendId"))
            }
        case ("post", "/api/v1/members/{id}/stored-value/cash-out"):
            return storedValue.write(.admin, reason: nil) { _ in .cashOut }
        case ("post", "/api/v1/members/{id}/stored-value/adjust"):
            return storedValue.write(.admin, reason: nil) { .adjust(try StoredValueRoutes.amount($0, "amountMinor")) }
        case ("get", "/api/v1/members/{id}/points"): return loyalty.points
        case ("get", "/api/v1/members/{id}/points/entries"): return loyalty.entries
        case ("post", "/api/v1/members/{id}/points/earn"): return loyalty.earn
        case ("post", "/api/v1/members/{id}/points/redeem"): return loyalty.redeem
        case ("post", "/api/v1/members/{id}/points/adjust"): return loyalty.adjust
        case ("get", "/api/v1/tags"): return tagRoutes.list
        case ("post", "/api/v1/tags"): return tagRoutes.create
        case ("delete", "/api/v1/tags/{name}"): return tagRoutes.delete
        case ("post", "/api/v1/tags/{name}/import"): return tagRoutes.importList
        case ("post", "/api/v1/tags/{name}/members"): return tagRoutes.change(adding: true)
        case ("post", "/api/v1/tags/{name}/members/remove"): return tagRoutes.change(adding: false)
        case ("get", "/api/v1/members/{id}/tags"): return tagRoutes.memberTags
        case ("get", "/api/v1/scores"): return ScoreRoutes(derived: derived).list
        case ("post", "/api/v1/scores/recompute"): return ScoreRoutes(derived: derived).recompute
        case ("put", "/api/v1/scores/{name}"): return ScoreRoutes(derived: derived).saveScore
        case ("delete", "/api/v1/scores/{name}"): return ScoreRoutes(derived: derived).delete(.score)
        case ("put", "/api/v1/lifecycles/{name}"): return ScoreRoutes(derived: derived).saveLifecycle
        case ("delete", "/api/v1/lifecycles/{name}"): return ScoreRoutes(derived: derived).delete(.lifecycle)
        case ("get", "/api/v1/members/{id}/scores"): return ScoreRoutes(derived: derived).member
        case ("get", "/api/v1/members/{id}/relationship"): return ScoreRoutes(derived: derived).relationship
        case ("get", "/api/v1/journeys"): return JourneyRoutes(journeys: journeys).list
        case ("get", "/api/v1/channels"): return JourneyRoutes(journeys: journeys).channels
        case ("get", "/r/{token}"): return JourneyRoutes(journeys: journeys).followLink
        case ("get", "/api/v1/journey-reports"): return JourneyRoutes(journeys: journeys).compare
        case ("get", "/api/v1/guide-tasks"): return JourneyRoutes(journeys: journeys).guideTasks
        case ("get", "/api/v1/journey-blueprints"): return JourneyRoutes(journeys: journeys).blueprints
        case ("post", "/api/v1/journey-blueprints/{id}/install"): return JourneyRoutes(journeys: journeys).install
        case ("post", "/api/v1/products/prices"): return JourneyRoutes(journeys: journeys).recordPrices
        case ("post", "/api/v1/guide-tasks/{id}/complete"): return JourneyRoutes(journeys: journeys).completeGuideTask
        case ("put", "/api/v1/channels/{name}"): return JourneyRoutes(journeys: journeys).saveChannel
        case ("get", "/api/v1/message-templates"): return MessageTemplateRoutes(journeys: journeys).list
        case ("put", "/api/v1/message-templates/{name}"): return MessageTemplateRoutes(journeys: journeys).save
        case ("post", "/api/v1/message-templates/{name}/preview"):
            return MessageTemplateRoutes(journeys: journeys).preview
        case ("get", "/api/v1/messaging/settings"): return JourneyRoutes(journeys: journeys).settings
        case ("put", "/api/v1/messaging/settings"): return JourneyRoutes(journeys: journeys).saveSettings
        case ("post", "/api/v1/journeys/validate"): return JourneyRoutes(journeys: journeys).validate
        case ("put", "/api/v1/journeys/{name}"): return JourneyRoutes(journeys: journeys).save
        case ("get", "/api/v1/journeys/{name}"): return JourneyRoutes(journeys: journeys).get
        case ("get", "/api/v1/journeys/{name}/statistics"): return JourneyRoutes(journeys: journeys).statistics
        case ("get", "/api/v1/journeys/{name}/messages"): return JourneyRoutes(journeys: journeys).messages
        case ("get", "/api/v1/journeys/{name}/report"): return JourneyRoutes(journeys: journeys).report
        case ("post", "/api/v1/journeys/{name}/estimate"): return JourneyRoutes(journeys: journeys).estimate
        case ("post", "/api/v1/journeys/{name}/test"): return JourneyRoutes(journeys: journeys).testSend
        case ("post", "/api/v1/journeys/{name}/publish"): return JourneyRoutes(journeys: journeys).publish
        case ("post", "/api/v1/journeys/{name}/pause"): return JourneyRoutes(journeys: journeys).setStatus(.paused)
        case ("post", "/api/v1/journeys/{name}/resume"): return JourneyRoutes(journeys: journeys).setStatus(.published)
        case ("post", "/api/v1/journeys/{name}/stop"): return JourneyRoutes(journeys: journeys).setStatus(.stopped)
        case ("post", "/api/v1/rfm/compute"): return rfmRoutes.compute
        case ("get", "/api/v1/rfm"): return rfmRoutes.list
        case ("get", "/api/v1/rfm/settings"): return rfmRoutes.settings
        case ("put", "/api/v1/rfm/settings"): return rfmRoutes.saveSettings
        case ("get", "/api/v1/segment-templates"): return segmentRoutes.templates
        case ("post", "/api/v1/segments/validate"): return segmentRoutes.validate
        case ("post", "/api/v1/segments/estimate"): return segmentRoutes.estimate
        case ("post", "/api/v1/segments/deduplicate"): return segmentRoutes.deduplicate
        case ("post", "/api/v1/segments/import"): return segmentRoutes.importList
        case ("get", "/api/v1/segments/{id}/export"): return segmentRoutes.export
        case ("get", "/api/v1/segments"): return segmentRoutes.list
        case ("post", "/api/v1/segments"): return segmentRoutes.create
        case ("get", "/api/v1/segments/{id}"): return segmentRoutes.get
        case ("delete", "/api/v1/segments/{id}"): return segmentRoutes.delete
        case ("post", "/api/v1/segments/{id}/refresh"): return segmentRoutes.refresh
        case ("get", "/api/v1/segments/{id}/members"): return segmentRoutes.members
        case ("get", "/api/v1/segments/{id}/members/{member}"): return segmentRoutes.check
        case ("post", "/v1/batch"): return { try await segment($0, $1, impliedType: nil) }
        case ("get", "/healthz"): return health
        case ("get", "/metrics"): return metrics
        default:
            let type = String(route.path.dropFirst(4))
            return { try await segment($0, $1, impliedType: type) }
        }
    }

    // MARK: Ingest

    private func nativeEvents(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.ingest, .write)
        let body = try await RequestBody.json(request, context: context)
        guard let events = body["events"]?.arrayValue else {
            throw Problem.invalid(path: "$.events", reason: "must be an array")
        }
        try Self.checkBatchSize(events.count, path: "$.events")
        let mapper = NativeMapper(brand: principal.brandID, receivedAt: Date())
        let items = events.enumerated().map { mapper.event($1, path: "$.events[\($0)]") }
        return try respond(try await ingest.ingest(items, principal: principal))
    }

    /// Segment-compatible ingest: validate every message now (so the answer names each invalid one),
    /// append the request to the durable ingest log, answer. The projector writes the valid messages
    /// into the member store moments later; a crash in between loses nothing that was answered 200.
    /// While the group's accepted messages wait too long for that, `429` (``IngestBackpressure``).
    private func segment(_ request: Request, _ context: TesseraContext, impliedType: String?) async throws -> Response {
        let principal = try context.require(.ingest)
        // Before the body is read: a refusal under overload should cost as little as it can.
        try await backpressure?.admit(group: principal.groupID)
        let bytes = try await RequestBody.bytes(request, context: context)
        let receivedAt = Date()
        let source = impliedType.map { "segment:" + $0 } ?? "segment"
        let items = try Self.segmentMessages(
            try RequestBody.parse(bytes), source: source, brand: principal.brandID, receivedAt: receivedAt,
            checkingSize: true)
        let checked = try await ingest.validate(items, group: principal.groupID, brand: principal.brandID)
        let valid = checked.count { (try? $0.get()) != nil }
        if valid > 0 {
            try await ingestLog.append(
                IngestLogEntry(
                    groupID: principal.groupID, brandID: principal.brandID, source: source, receivedAt: receivedAt,
                    body: String(buffer: bytes), messageCount: valid))
            onAppend()
        }
        return try respond(IngestResult.queued(checked))
    }

    /// The messages of a Segment-format body, from a request or from the ingest log.
    private static func segmentMessages(
        _ body: JSONValue, source: String, brand: BrandID, receivedAt: Date, checkingSize: Bool
    ) throws -> [Result<IngestMessage, FieldErrorList>] {
        let mapper = SegmentMapper(brand: brand, receivedAt: receivedAt)
        if source.hasPrefix("segment:") {
            return [mapper.map(body, path: "$", impliedType: String(source.dropFirst("segment:".count)))]
        }
        guard let batch = body["batch"]?.arrayValue else {
            throw Problem.invalid(path: "$.batch", reason: "must be an array")
        }
        if checkingSize { try checkBatchSize(batch.count, path: "$.batch") }
        return batch.enumerated().map { mapper.map($1, path: "$.batch[\($0)]") }
    }

    /// Maps an ingest log entry back to its messages, exactly as ``segment(_:_:impliedType:)`` did when
    /// it accepted the request. The ``IngestProjector``'s decoder. Throws when the entry cannot be read
    /// (never for an entry this server wrote), so that the entry is kept as failed instead of dropped.
    public static func decode(_ entry: IngestLogEntry) throws -> [Result<IngestMessage, FieldErrorList>] {
        try segmentMessages(
            try JSONValue.parse(entry.body), source: entry.source, brand: entry.brandID, receivedAt: entry.receivedAt,
            checkingSize: false)
    }

    /// The log's ``IngestLogStatus`` of the group, with the backlog limit (`maximumLagSeconds`, absent
    /// when there is none) and whether its Segment requests are being refused for it (`refusing`).
    private func ingestStatus(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let now = Date()
        struct Answer: Encodable {
            var status: IngestLogStatus
            var maximumLagSeconds: Int?
            var refusing: Bool
            enum Keys: String, CodingKey { case maximumLagSeconds, refusing }
            func encode(to encoder: any Encoder) throws {
                try status.encode(to: encoder)
                var container = encoder.container(keyedBy: Keys.self)
                try container.encodeIfPresent(maximumLagSeconds, forKey: .maximumLagSeconds)
                try container.encode(refusing, forKey: .refusing)
            }
        }
        let status = try await ingestLog.status(group: principal.groupID, now: now)
        return try JSONCoding.response(
            Answer(
                status: status, maximumLagSeconds: backpressure.map { Int($0.maximumLag) },
                refusing: backpressure?.refuses(oldestWaiting: status.oldestPendingAt, now: now) ?? false))
    }

    private func upsertMember(_ request: Request, _ context: TesseraContext) async throws -> Response {
        try await single(request, context) { $0.member($1, idempotencyKey: $2) }
    }

    private func upsertOrder(_ request: Request, _ context: TesseraContext) async throws -> Response {
        try await single(request, context) { $0.order($1, idempotencyKey: $2) }
    }

    /// One-message native endpoints, written synchronously; they answer with the member the message
    /// resolved to. `map` reads the body with the request's `Idempotency-Key`.
    private func single(
        _ request: Request, _ context: TesseraContext,
        map: (NativeMapper, JSONValue, String?) -> Result<IngestMessage, FieldErrorList>
    ) async throws -> Response {
        let principal = try context.require(.ingest, .write)
        let body = try await RequestBody.json(request, context: context)
        let item = map(NativeMapper(brand: principal.brandID, receivedAt: Date()), body, request.idempotencyKey)
        if case .failure(let errors) = item {
            throw Problem(
                .badRequest, title: "Invalid request", detail: errors.errors.map(\.description).joined(separator: "; "),
                errors: errors.errors.map { Problem.FieldProblem(index: nil, path: $0.path, reason: $0.reason) })
        }
        let result = try await ingest.ingest([item], principal: principal)
        struct Answer: Encodable {
            var status: String
            var memberId: MemberID?
            var member: MemberView?
        }
        let outcome = result.results.first
        let member = try await outcome?.memberID.asyncMap { try await store.member(group: principal.groupID, id: $0) }
        return try JSONCoding.response(
            Answer(status: outcome?.status ?? "duplicate", memberId: outcome?.memberID, member: member ?? nil))
    }

    private static func checkBatchSize(_ count: Int, path: String) throws {
        guard count <= Self.maximumBatch else {
            throw Problem(
                .contentTooLarge, title: "Batch too large",
                detail: "a batch holds at most \(Self.maximumBatch) messages; split it",
                errors: [
                    Problem.FieldProblem(index: nil, path: path, reason: "more than \(Self.maximumBatch) messages")
                ])
        }
        guard count > 0 else { throw Problem.invalid(path: path, reason: "must not be empty") }
    }

    /// 200 when every message was accepted or a duplicate; 400 (final for SDKs, so not retried)
    /// naming each rejected message when some were invalid — the valid ones are stored.
    private func respond(_ result: IngestResult) throws -> Response {
        IngestMetrics.record(result)
        guard result.rejected > 0 else {
            struct Success: Encodable {
                var success = true
                var accepted: Int
                var duplicates: Int
                var queued: Int
                /// Left out when every message was only queued: there is nothing more to say about any.
                var results: [IngestResult.Item]?
            }
            return try JSONCoding.response(
                Success(
                    accepted: result.accepted, duplicates: result.duplicates, queued: result.queued,
                    results: result.queued == result.results.count ? nil : result.results))
        }
        let problems = result.results.flatMap { item in
            (item.errors ?? []).map { Problem.FieldProblem(index: item.index, path: $0.path, reason: $0.reason) }
        }
        throw Problem(
            .badRequest, title: "Some messages were rejected",
            detail: "\(result.rejected) of \(result.results.count) messages were invalid and not stored; the other "
                + "\(result.accepted + result.duplicates + result.queued) were stored. "
                + problems.prefix(3).map { "\($0.path): \($0.reason)" }.joined(separator: "; "),
            errors: problems, results: result)
    }

    // MARK: Members

    private func getMember(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let id = MemberID(try context.parameters.require("id"))
        guard let member = try await store.member(group: principal.groupID, id: id) else {
            throw Problem.memberNotFound(id)
        }
        let loyalty = try await LoyaltyService(store: store).memberLoyalty(
            group: principal.groupID, brand: principal.brandID, member: id, at: Date(), window: 30 * 86_400)
        return try JSONCoding.response(Member360(member: member, loyalty: loyalty))
    }

    /// The member view with the loyalty of the key's brand beside its fields.
    private struct Member360: Encodable {
        var member: MemberView
        var loyalty: MemberLoyalty

        private enum Key: String, CodingKey { case loyalty }

        func encode(to encoder: any Encoder) throws {
            try member.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(loyalty, forKey: .loyalty)
        }
    }

    private func lookupMember(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        guard let text = request.uri.queryParameters["identifier"].map(String.init) else {
            throw Problem.invalid(path: "identifier", reason: "give ?identifier=type:value, e.g. phone:+8613800000000")
        }
        let identifier: Identifier
        do { identifier = try Identifier.parse(text) } catch {
            throw Problem.invalid(path: "identifier", reason: error.description)
        }
        guard let id = try await store.memberID(group: principal.groupID, identifier: identifier),
            let member = try await store.member(group: principal.groupID, id: id)
        else { throw Problem(.notFound, title: "Not found", detail: "no member has \(identifier)") }
        return try JSONCoding.response(member)
    }

    private func timeline(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let id = MemberID(try context.parameters.require("id"))
        let limit = try Self.limit(request)
        let cursor = try request.uri.queryParameters["cursor"].map { try TimelineCursor(token: String($0)) }
        guard try await store.member(group: principal.groupID, id: id) != nil else {
            throw Problem.memberNotFound(id)
        }
        return try JSONCoding.response(
            try await store.timeline(group: principal.groupID, member: id, before: cursor, limit: limit))
    }

    private func candidates(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let status = request.uri.queryParameters["status"].map(String.init) ?? "open"
        guard ["open", "merged", "dismissed"].contains(status) else {
            throw Problem.invalid(path: "status", reason: "must be open, merged or dismissed")
        }
        struct Page: Encodable { var candidates: [MergeCandidate] }
        return try JSONCoding.response(
            Page(
                candidates: try await store.mergeCandidates(
                    group: principal.groupID, status: status, limit: try Self.limit(request))))
    }

    private func undoMerge(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let record = try await store.undoMerge(
            group: principal.groupID, id: try context.parameters.require("id"), at: Date())
        return try JSONCoding.response(record)
    }

    private func dismissCandidate(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let id = try context.parameters.require("id")
        try await store.dismissMergeCandidate(group: principal.groupID, id: id, at: Date())
        return try JSONCoding.response(["status": "dismissed", "id": id])
    }

    private func merge(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let survivor = MemberID(try context.parameters.require("id"))
        let body = try await RequestBody.json(request, context: context)
        guard let merged = body["mergedMemberId"]?.stringValue, !merged.isEmpty else {
            throw Problem.invalid(path: "$.mergedMemberId", reason: "is required")
        }
        let reason = body["reason"]?.stringValue ?? "merged by an operator"
        let record = try await store.merge(
            group: principal.groupID, survivor: survivor, merged: MemberID(merged), actor: "key:\(principal.keyID)",
            reason: reason, id: TimeOrderedIDGenerator().next(), at: Date())
        return try JSONCoding.response(record)
    }

    static func limit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["limit"] else { return 50 }
        guard let limit = Int(text), (1...200).contains(limit) else {
            throw Problem.invalid(path: "limit", reason: "must be a whole number from 1 to 200")
        }
        return limit
    }

    // MARK: Operations

    private func health(_ request: Request, _ context: TesseraContext) async throws -> Response {
        do {
            try await store.ping()
            return try JSONCoding.response(["status": "ok"])
        } catch {
            return try JSONCoding.response(["status": "database unavailable"], status: .serviceUnavailable)
        }
    }

    private func metrics(_ request: Request, _ context: TesseraContext) async throws -> Response {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}

extension Request {
    /// The `Idempotency-Key` header, if sent.
    /// The `Idempotency-Key` header; an empty one counts as none.
    var idempotencyKey: String? {
        headers.first { $0.name.canonicalName == "idempotency-key" }.flatMap { $0.value.isEmpty ? nil : $0.value }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
