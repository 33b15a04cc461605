import Foundation
import TesseraDomain

/// One stored-value operation: lock the account row (checking the member, creating it if needed), answer
/// a replayed idempotency key, load the spend a refund names (with what was refunded of it), apply
/// the pure ``StoredValueAccount`` and write the entry, the balances and `stored_value.*`.
struct StoredValueProgram: SQLProgram {
    let dialect: SQLDialect
    let request: StoredValueRequest
    let id: String

    private enum Phase { case lock, member, replay, spend, refunded, written }
    private var phase = Phase.lock
    private var account = StoredValueAccount()
    private var spend: StoredValueEntry?
    private var outcome: StoredValueOutcome?

    init(dialect: SQLDialect, request: StoredValueRequest, id: String) {
        (self.dialect, self.request, self.id) = (dialect, request, id)
    }

    private var g: SQLValue { .text(request.group.rawValue) }
    private var key: [SQLValue] { [g, .text(request.brand.rawValue), .text(request.member.rawValue)] }

    static let entryColumns =
        "id, kind, principal, bonus, reason, source_type, source_id, idempotency_key, occurred_at, refund_of, member_id"

    static func entry(_ row: SQLRow) -> StoredValueEntry {
        StoredValueEntry(
            id: row.text(0) ?? "", kind: StoredValueEntryKind(rawValue: row.text(1) ?? "") ?? .adjust,
            principal: row.int(2) ?? 0, bonus: row.int(3) ?? 0, reason: row.text(4) ?? "",
            source: PointsSource(type: row.text(5) ?? "", id: row.text(6)), idempotencyKey: row.text(7) ?? "",
            occurredAt: Timestamp.date(row.int(8) ?? 0), refundOf: row.text(9))
    }

    mutating func start() throws -> SQLStep<StoredValueOutcome> {
        (phase, account, spend, outcome) = (.lock, StoredValueAccount(), nil, nil)
        return .query(
            AccountRowSQL.storedValue.lock(
                group: request.group, brand: request.brand, member: request.member, at: request.at))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<StoredValueOutcome> {
        switch phase {
        case .lock:
            guard let row = rows.first else {
                phase = .member
                return .query(MemberCheckSQL.select(group: request.group, member: request.member))
            }
            account = StoredValueAccount(principal: row.int(0) ?? 0, bonus: row.int(1) ?? 0)
            phase = .replay
            return .query(
                SQLStatement(
                    "SELECT \(Self.entryColumns) FROM stored_value_entries WHERE group_id = ? AND brand_id = ? AND idempotency_key = ?",
                    [g, .text(request.brand.rawValue), .text(request.idempotencyKey)]))
        case .member:
            throw MemberCheckSQL.lockRefused(rows, member: request.member)
        case .replay:
            if let row = rows.first {
                guard row.text(10) == request.member.rawValue else {
                    throw TesseraError.idempotencyKeyReused()
                }
                return .done(
                    StoredValueOutcome(
                        entry: Self.entry(row), principal: account.principal, bonus: account.bonus, replayed: true))
            }
            guard case .refund(_, let spendID) = request.action else { return try apply(nil) }
            phase = .spend
            return .query(
                SQLStatement(
                    "SELECT \(Self.entryColumns) FROM stored_value_entries WHERE group_id = ? AND brand_id = ? AND id = ? AND member_id = ?",
                    [g, .text(request.brand.rawValue), .text(spendID), .text(request.member.rawValue)]))
        case .spend:
            guard let row = rows.first else {
                throw TesseraError.rejected(
                    code: "spend_not_found", field: "spendId", reason: "no spend with this id in the member's ledger")
            }
            spend = Self.entry(row)
            phase = .refunded
            return .query(
                SQLStatement(
                    "SELECT CAST(coalesce(sum(principal), 0) AS BIGINT), CAST(coalesce(sum(bonus), 0) AS BIGINT) "
                        + "FROM stored_value_entries WHERE group_id = ? AND refund_of = ?", [g, .text(spend?.id ?? "")])
            )
        case .refunded:
            return try apply((rows.first?.int(0) ?? 0, rows.first?.int(1) ?? 0))
        case .written:
            guard let outcome else { preconditionFailure("stored value program resumed before deciding") }
            return .done(outcome)
        }
    }

    private mutating func apply(_ refunded: (Int64, Int64)?) throws -> SQLStep<StoredValueOutcome> {
        let operation: StoredValueOperation
        switch request.action {
        case .topUp(let principal, let bonus): operation = .topUp(principal: principal, bonus: bonus)
        case .spend(let amount): operation = .spend(amount)
        case .refund(let amount, _):
            guard let spend, let refunded else { preconditionFailure("refund applied before its spend was loaded") }
            operation = .refund(amount, spend: spend, refundedSoFar: refunded)
        case .cashOut: operation = .cashOut
        case .adjust(let amount): operation = .adjust(amount)
        }
        let entry: StoredValueEntry
        do {
            entry = try account.apply(
                operation, id: id, reason: request.reason, source: request.source,
                idempotencyKey: request.idempotencyKey, at: request.at)
        } catch {
            throw TesseraError.rejected(code: error.code, field: error.field, reason: error.message)
        }
        outcome = StoredValueOutcome(entry: entry, principal: account.principal, bonus: account.bonus, replayed: false)
        phase = .written
        let now = SQLValue.int(Timestamp.micros(request.at))
        var properties: [String: JSONValue] = [
            "entryId": .string(entry.id), "principal": .number(Decimal(entry.principal)),
            "bonus": .number(Decimal(entry.bonus)), "balance": .number(Decimal(account.balance)),
            "reason": .string(entry.reason),
        ]
        if let refundOf = entry.refundOf { properties["refundOf"] = .string(refundOf) }
        // Entry, balances and event touch different rows: one round trip on PostgreSQL.
        let writes =
            [
                SQLStatement(
                    """
                    INSERT INTO stored_value_entries (group_id, id, brand_id, member_id, kind, principal, bonus, reason, \
                    source_type, source_id, idempotency_key, refund_of, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        g, .text(entry.id), .text(request.brand.rawValue), .text(request.member.rawValue),
                        .text(entry.kind.rawValue), .int(entry.principal), .int(entry.bonus), .text(entry.reason),
                        .text(entry.source.type), .optional(entry.source.id), .text(entry.idempotencyKey),
                        .optional(entry.refundOf), now,
                    ]),
                SQLStatement(
                    "UPDATE stored_value_accounts SET principal = ?, bonus = ?, updated_at = ? WHERE group_id = ? "
                        + "AND brand_id = ? AND member_id = ?",
                    [.int(account.principal), .int(account.bonus), now] + key),
            ]
            + DomainEventSQL.insert(
                [
                    DomainEvent(
                        idempotencyKey: "stored_value:" + entry.id, brand: request.brand, member: request.member,
                        name: entry.kind.eventName, properties: properties, at: request.at)
                ], group: request.group, idPrefix: id, dialect: dialect)
        return .execute(SQLBuilder.independentWrites(writes, dialect: dialect))
    }
}
