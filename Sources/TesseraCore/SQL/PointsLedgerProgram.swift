import Foundation
import TesseraDomain

/// One points operation as a ``SQLProgram``: check the member, lock (creating if needed) the
/// account row, answer a replayed idempotency key from the stored entries, otherwise load the open
/// lots, apply the operation with the pure ``PointsAccount`` and write entries, lots and balance.
///
/// The account row is the lock: on PostgreSQL `SELECT … FOR UPDATE` serialises concurrent
/// operations on one account (and only on it); SQLite's single writer does the same for all.
struct PointsLedgerProgram: SQLProgram {
    let dialect: SQLDialect
    let request: PointsRequest
    let entryID: String

    private enum Phase { case member, account, lock, replay, lots, written }
    private var phase = Phase.member
    private var balance: Int64 = 0
    private var debt: Int64 = 0
    private var outcome: PointsOutcome?

    init(dialect: SQLDialect, request: PointsRequest, entryID: String) {
        self.dialect = dialect
        self.request = request
        self.entryID = entryID
    }

    private var key: [SQLValue] {
        [.text(request.group.rawValue), .text(request.brand.rawValue), .text(request.member.rawValue)]
    }

    mutating func start() throws -> SQLStep<PointsOutcome> {
        phase = .member
        return .query(MemberCheckSQL.select(group: request.group, member: request.member))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<PointsOutcome> {
        switch phase {
        case .member:
            try MemberCheckSQL.requireActive(rows, member: request.member)
            phase = .account
            return .execute([
                AccountRowSQL.points.ensure(
                    group: request.group, brand: request.brand, member: request.member, at: request.at)
            ])
        case .account:
            phase = .lock
            return .query(
                AccountRowSQL.points.lock(
                    group: request.group, brand: request.brand, member: request.member, dialect: dialect))
        case .lock:
            balance = rows.first?.int(0) ?? 0
            debt = rows.first?.int(1) ?? 0
            phase = .replay
            return .query(
                SQLStatement(
                    // No ORDER BY: it would make SQLite walk the group's entries in id order instead
                    // of looking the two keys up in the unique index (measured: O(entries) per call).
                    "SELECT \(Self.entryColumns) FROM points_entries WHERE group_id = ? AND brand_id = ? "
                        + "AND idempotency_key IN (?, ?)",
                    [
                        .text(request.group.rawValue), .text(request.brand.rawValue), .text(request.idempotencyKey),
                        .text(request.idempotencyKey + "#expire"),
                    ]))
        case .replay:
            let stored = try rows.map(Self.entry).sorted { $0.entry.id < $1.entry.id }
            if !stored.isEmpty {
                guard stored.allSatisfy({ $0.memberID == request.member.rawValue }) else {
                    throw TesseraError.idempotencyKeyReused()
                }
                phase = .written
                outcome = PointsOutcome(entries: stored.map(\.entry), balance: balance, debt: debt, replayed: true)
                return try resume([])
            }
            phase = .lots
            return .query(
                SQLStatement(
                    "SELECT \(Self.lotColumns()) FROM points_lots "
                        + "WHERE group_id = ? AND brand_id = ? AND member_id = ? AND remaining > 0", key))
        case .lots:
            var account = PointsAccount(lots: rows.compactMap(Self.lot), debt: debt)
            guard account.balance == balance else {
                throw TesseraError.unavailable(
                    "points account \(request.member) is inconsistent: balance \(balance), lots \(account.balance)")
            }
            let entries: [PointsEntry]
            do {
                entries = try account.apply(
                    request.operation, id: entryID, reason: request.reason, source: request.source,
                    idempotencyKey: request.idempotencyKey, at: request.at)
            } catch {
                throw TesseraError.rejected(code: error.code, field: error.field, reason: error.message)
            }
            phase = .written
            outcome = PointsOutcome(entries: entries, balance: account.balance, debt: account.debt, replayed: false)
            return .execute(
                Self.writes(
                    entries, account: account, owner: (request.group, request.brand, request.member), at: request.at,
                    eventIDs: entryID, dialect: dialect))
        case .written:
            guard let outcome else { preconditionFailure("points program resumed before deciding") }
            return .done(outcome)
        }
    }

    /// The statements that store `entries` of the owner's account, leaving it at `account`:
    /// entries, new lots, consumed lots, the account row and one domain event per entry (ids from
    /// `eventIDs`). Shared by every program that changes an account.
    static func writes(
        _ entries: [PointsEntry], account: PointsAccount, owner: (group: GroupID, brand: BrandID, member: MemberID),
        at: Date, eventIDs: String, dialect: SQLDialect
    ) -> [SQLStatement] {
        guard !entries.isEmpty else { return [] }
        let g = SQLValue.text(owner.group.rawValue)
        let key: [SQLValue] = [g, .text(owner.brand.rawValue), .text(owner.member.rawValue)]
        var statements = SQLBuilder.insert(
            into: "points_entries",
            columns: [
                "group_id", "id", "brand_id", "member_id", "kind", "points", "debt", "reason", "source_type",
                "source_id", "idempotency_key", "consumed", "occurred_at",
            ],
            markers: Array(repeating: "?", count: 11) + [dialect == .postgres ? "?::jsonb" : "?", "?"],
            rows: entries.map { entry in
                [
                    g, .text(entry.id), .text(owner.brand.rawValue), .text(owner.member.rawValue),
                    .text(entry.kind.rawValue), .int(entry.points), .int(entry.debt), .text(entry.reason),
                    .text(entry.source.type), .optional(entry.source.id), .text(entry.idempotencyKey),
                    .text(Self.consumedJSON(entry.consumed)), .int(Timestamp.micros(entry.occurredAt)),
                ]
            })
        statements += SQLBuilder.insert(
            into: "points_lots",
            columns: ["group_id", "id", "brand_id", "member_id", "earned_at", "expires_at", "amount", "remaining"],
            rows: entries.compactMap(\.createdLot).map { lot in
                [
                    g, .text(lot.id), .text(owner.brand.rawValue), .text(owner.member.rawValue),
                    .int(Timestamp.micros(lot.earnedAt)), .optional(lot.expiresAt.map(Timestamp.micros)),
                    .int(lot.amount), .int(lot.remaining),
                ]
            })
        // Each consumption lowers its lot by exactly what was taken; the CHECK on `remaining`
        // would refuse an over-consumption even if the domain allowed one.
        var taken: [String: Int64] = [:]
        for part in entries.flatMap(\.consumed) { taken[part.lotID, default: 0] += part.points }
        for (lot, points) in taken.sorted(by: { $0.key < $1.key }) {
            statements.append(
                SQLStatement(
                    "UPDATE points_lots SET remaining = remaining - ? WHERE group_id = ? AND id = ?",
                    [.int(points), g, .text(lot)]))
        }
        statements.append(
            SQLStatement(
                "UPDATE points_accounts SET balance = ?, debt = ?, updated_at = ? "
                    + "WHERE group_id = ? AND brand_id = ? AND member_id = ?",
                [.int(account.balance), .int(account.debt), .int(Timestamp.micros(at))] + key))
        statements += DomainEventSQL.insert(
            events(entries, account: account, owner: owner), group: owner.group, idPrefix: eventIDs, dialect: dialect)
        return statements
    }

    /// `points.earned`, `points.redeemed`, … one per entry, with the balance after the operation.
    private static func events(
        _ entries: [PointsEntry], account: PointsAccount, owner: (group: GroupID, brand: BrandID, member: MemberID)
    ) -> [DomainEvent] {
        entries.map { entry in
            var properties: [String: JSONValue] = [
                "entryId": .string(entry.id), "points": .number(Decimal(entry.points)),
                "debt": .number(Decimal(entry.debt)), "balance": .number(Decimal(account.balance)),
                "reason": .string(entry.reason), "sourceType": .string(entry.source.type),
            ]
            if let id = entry.source.id { properties["sourceId"] = .string(id) }
            return DomainEvent(
                idempotencyKey: "points:" + entry.id, brand: owner.brand, member: owner.member,
                name: entry.kind.eventName, properties: properties, at: entry.occurredAt)
        }
    }

    /// Columns read back into a ``PointsLot`` by ``lot(_:)``, first in a select list; qualified by
    /// `alias` when the query joins.
    static func lotColumns(_ alias: String = "") -> String {
        let prefix = alias.isEmpty ? "" : alias + "."
        return ["id", "earned_at", "expires_at", "amount", "remaining"].map { prefix + $0 }.joined(separator: ", ")
    }

    /// The lot of a row starting with ``lotColumns``; `nil` when its id is null (an outer join found none).
    static func lot(_ row: SQLRow) -> PointsLot? {
        row.text(0).map { id in
            PointsLot(
                id: id, earnedAt: Timestamp.date(row.int(1) ?? 0), expiresAt: row.int(2).map(Timestamp.date),
                amount: row.int(3) ?? 0, remaining: row.int(4) ?? 0)
        }
    }

    /// Columns read back into a ``PointsEntry`` by ``entry(_:)``.
    static let entryColumns =
        "id, kind, points, debt, reason, source_type, source_id, idempotency_key, CAST(consumed AS TEXT), occurred_at, member_id"

    /// An entry row (``entryColumns``) and the member it belongs to.
    static func entry(_ row: SQLRow) throws -> (entry: PointsEntry, memberID: String) {
        let consumed = try JSONDecoder().decode([PointsConsumption].self, from: Data((row.text(8) ?? "[]").utf8))
        let entry = PointsEntry(
            id: row.text(0) ?? "", kind: PointsEntryKind(rawValue: row.text(1) ?? "") ?? .adjust,
            points: row.int(2) ?? 0, debt: row.int(3) ?? 0, reason: row.text(4) ?? "",
            source: PointsSource(type: row.text(5) ?? "", id: row.text(6)), idempotencyKey: row.text(7) ?? "",
            occurredAt: Timestamp.date(row.int(9) ?? 0), consumed: consumed)
        return (entry, row.text(10) ?? "")
    }

    static func consumedJSON(_ parts: [PointsConsumption]) -> String {
        (try? JSONEncoder().encode(parts)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
