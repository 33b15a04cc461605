import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// The loyalty programme and members' points (SPEC §4) in the brand of the caller's key.
///
/// Reads need `read`; earning and redeeming need `write`; adjustments, programme changes and the
/// expiry pass need `admin`. Every write needs an idempotency key (`Idempotency-Key` header or
/// `idempotencyKey` in the body): a retry returns the first answer (`"replayed": true`) and
/// changes nothing. A refusal is a `422` problem whose `code` says why (`insufficient_points`,
/// `invalid_amount`) and changes nothing.
struct LoyaltyRoutes: Sendable {
    let store: any TesseraStore
    var loyalty: LoyaltyService { LoyaltyService(store: store) }

    func getProgram(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let current = try await store.loyaltyProgram(group: principal.groupID, brand: principal.brandID)
        return try JSONCoding.response(ProgramVersion(version: current.version, program: current.program))
    }

    /// Stores a new version of the brand's programme (``LoyaltyProgram``: time zone, points expiry,
    /// earn rules, growth rules, tiers). Every fault is reported at its JSON path, all at once.
    func putProgram(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let program = try JSONCoding.decode(
            LoyaltyProgram.self, from: try await RequestBody.bytes(request, context: context))
        let errors = program.validate()
        if !errors.isEmpty { throw Problem.invalid(errors) }
        let version = try await store.setLoyaltyProgram(
            program, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(ProgramVersion(version: version, program: program))
    }

    /// `GET /api/v1/members/{id}/points?expiringWithinDays=30`
    func points(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await existingMember(context, principal)
        let days = try Self.queryInteger(request, "expiringWithinDays", default: 30, range: 1...3_660)
        return try JSONCoding.response(
            try await loyalty.summary(
                group: principal.groupID, brand: principal.brandID, member: member, at: Date(),
                window: TimeInterval(days * 86_400)))
    }

    /// `GET /api/v1/members/{id}/points/entries?before=<entry id>&limit=50`, newest first.
    func entries(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await existingMember(context, principal)
        let limit = try Self.queryInteger(request, "limit", default: 50, range: 1...500)
        let entries = try await store.pointsEntries(
            group: principal.groupID, brand: principal.brandID, member: member,
            before: request.uri.queryParameters["before"].map(String.init), limit: limit)
        struct Page: Encodable {
            var entries: [PointsEntry]
            var next: String?
        }
        return try JSONCoding.response(Page(entries: entries, next: entries.count == limit ? entries.last?.id : nil))
    }

    /// `{"points": 100, "reason": "…", "source": {"type": "journey", "id": "…"}, "expiresAt": "…"}`
    func earn(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let (member, reader, key) = try await writeInput(request, context, principal)
        let expiresAt = try reader.string("expiresAt").map { text in
            guard let date = ISO8601DateFormatter().date(from: text) else {
                throw FieldError(path: reader.at("expiresAt"), reason: "must be an ISO 8601 time with a zone")
            }
            return date
        }
        return try JSONCoding.response(
            try await loyalty.earn(
                try Self.points(reader), group: principal.groupID, brand: principal.brandID, member: member,
                expiresAt: expiresAt, reason: try reader.string("reason") ?? "earned",
                source: try Self.source(reader, principal), idempotencyKey: key, at: Date()))
    }

    /// `{"points": 100, "reason": "…"}`: spends points first-expiring-first.
    func redeem(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let (member, reader, key) = try await writeInput(request, context, principal)
        return try JSONCoding.response(
            try await loyalty.apply(
                PointsRequest(
                    group: principal.groupID, brand: principal.brandID, member: member,
                    operation: .debit(try Self.points(reader), kind: .redeem),
                    reason: try reader.string("reason") ?? "redeemed", source: try Self.source(reader, principal),
                    idempotencyKey: key, at: Date())))
    }

    /// `{"points": -50, "reason": "goodwill correction"}`: an operator's correction; the reason is required.
    func adjust(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let (member, reader, key) = try await writeInput(request, context, principal)
        let points = try Self.points(reader)
        let reason = try reader.requiredString("reason")
        let source = PointsSource(type: "operator", id: principal.keyID.rawValue)
        if points >= 0 {
            return try JSONCoding.response(
                try await loyalty.earn(
                    points, group: principal.groupID, brand: principal.brandID, member: member, kind: .adjust,
                    reason: reason, source: source, idempotencyKey: key, at: Date()))
        }
        return try JSONCoding.response(
            try await loyalty.apply(
                PointsRequest(
                    group: principal.groupID, brand: principal.brandID, member: member,
                    // Wrapping: Int64.min stays negative, which the ledger refuses as invalid_amount.
                    operation: .debit(0 &- points, kind: .adjust),
                    reason: reason, source: source, idempotencyKey: key, at: Date())))
    }

    /// Runs the expiry pass now (it also runs hourly in `tessera serve`).
    func expire(_ request: Request, _ context: TesseraContext) async throws -> Response {
        _ = try context.require(.admin)
        let result = try await loyalty.expireDue(at: Date())
        struct Answer: Encodable {
            var members: Int
            var points: Int64
        }
        return try JSONCoding.response(Answer(members: result.members, points: result.points))
    }

    /// Reviews now the tiers of members whose period ended (also runs hourly in `tessera serve`).
    func reviewTiers(_ request: Request, _ context: TesseraContext) async throws -> Response {
        _ = try context.require(.admin)
        let result = try await loyalty.reviewTiers(at: Date())
        struct Answer: Encodable {
            var members: Int
            var changes: Int
        }
        return try JSONCoding.response(Answer(members: result.members, changes: result.changes))
    }

    /// How many orders and events wait to earn in the group, and how many of them failed before.
    func earningStatus(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let depth = try await store.earningQueueDepth(group: principal.groupID)
        struct Answer: Encodable {
            var waiting: Int
            var failing: Int
        }
        return try JSONCoding.response(Answer(waiting: depth.waiting, failing: depth.failing))
    }

    /// `GET /api/v1/members/{id}/loyalty?expiringWithinDays=30`: tier, growth, points and tier history.
    func memberLoyalty(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await existingMember(context, principal)
        let days = try Self.queryInteger(request, "expiringWithinDays", default: 30, range: 1...3_660)
        return try JSONCoding.response(
            try await loyalty.memberLoyalty(
                group: principal.groupID, brand: principal.brandID, member: member, at: Date(),
                window: TimeInterval(days * 86_400)))
    }

    /// `GET /api/v1/members/{id}/tier-history?limit=50`, newest first.
    func tierHistory(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await existingMember(context, principal)
        let limit = try Self.queryInteger(request, "limit", default: 50, range: 1...500)
        struct Page: Encodable { var changes: [TierChange] }
        return try JSONCoding.response(
            Page(
                changes: try await store.tierHistory(
                    group: principal.groupID, brand: principal.brandID, member: member, limit: limit)))
    }

    // MARK: Input

    private struct ProgramVersion: Encodable {
        var version: Int
        var program: LoyaltyProgram
    }

    func existingMember(_ context: TesseraContext, _ principal: Principal) async throws -> MemberID {
        let id = MemberID(try context.parameters.require("id"))
        guard try await store.memberExists(group: principal.groupID, id: id) else {
            throw Problem.memberNotFound(id)
        }
        return id
    }

    private func writeInput(_ request: Request, _ context: TesseraContext, _ principal: Principal) async throws -> (
        MemberID, FieldReader, String
    ) {
        let member = MemberID(try context.parameters.require("id"))
        let reader = try await RequestBody.fields(request, context: context)
        return (member, reader, try Self.idempotencyKey(request, reader))
    }

    /// The write's idempotency key: the `Idempotency-Key` header, else `idempotencyKey` in the body.
    static func idempotencyKey(_ request: Request, _ reader: FieldReader) throws -> String {
        guard let key = try request.idempotencyKey ?? reader.string("idempotencyKey"), !key.isEmpty, key.count <= 200
        else {
            throw FieldError(
                path: reader.at("idempotencyKey"),
                reason:
                    "is required (or the Idempotency-Key header), at most 200 characters, so a retry cannot apply twice"
            )
        }
        return key
    }

    /// The `points` field; its range is the ledger's to judge (`invalid_amount`).
    private static func points(_ reader: FieldReader) throws -> Int64 {
        guard let points = try reader.integer("points") else {
            throw FieldError(path: reader.at("points"), reason: "is required")
        }
        return points
    }

    private static func source(_ reader: FieldReader, _ principal: Principal) throws -> PointsSource {
        guard let object = try reader.object("source") else {
            return PointsSource(type: "operator", id: principal.keyID.rawValue)
        }
        let source = try FieldReader(.object(object), path: reader.at("source"))
        let type = try source.requiredString("type")
        guard PointsSource.types.contains(type) else {
            throw FieldError(
                path: source.at("type"), reason: "must be one of \(PointsSource.types.sorted().joined(separator: ", "))"
            )
        }
        return PointsSource(type: type, id: try source.id("id"))
    }

    static func queryInteger(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>)
        throws -> Int
    {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = Int(String(text)), range.contains(number) else {
            throw Problem.invalid(
                path: name, reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
