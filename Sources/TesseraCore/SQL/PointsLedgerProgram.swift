import Foundation
import TesseraDomain

/// One points operation as a ``SQLProgram``: lock the account row (checking the member and
/// creating the account if needed), load the open lots and any entry already stored under the
/// idempotency key, answer a replay from the stored entries, otherwise apply the operation with
/// the pure ``PointsAccount`` and write entries, lots and balance.
///
/// The account row is the lock: on PostgreSQL the upsert serialises concurrent operations on one
/// account (and only on it); SQLite's single writer does the same for all. Three round trips on
/// PostgreSQL besides `BEGIN`/`COMMIT`: lock, read, write.
struct PointsLedgerProgram: SQLProgram {
    let dialect: SQLDialect
    let request: PointsRequest
    let entryID: String

    private enum Phase { case lock, member, read, replay, written }
    private var phase = Phase.lock
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

    /// The entries an operation stores under its key: the key itself and, for an expiry, `#expire`.
    private var idempotencyKeys: [SQLValue] {
        [.text(request.idempotencyKey), .text(request.idempotencyKey + "#expire")]
    }

    mutating func start() throws -> SQLStep<PointsOutcome> {
        phase = .lock
        return .query(
            AccountRowSQL.points.lock(
                group: request.group, brand: request.brand, member: request.member, at: request.at))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<PointsOutcome> {
        switch phase {
        case .lock:
            guard let row = rows.first else {
                phase = .member
                return .query(MemberCheckSQL.select(group: request.group, member: request.member))
            }
            (balance, debt) = (row.int(0) ?? 0, row.int(1) ?? 0)
            phase = .read
            // The open lots and the ids of entries stored under the key, in one round trip; read
            // after the lock, so no other operation on the account can change them meanwhile.
            // No ORDER BY: it would make SQLite walk the group's entries in id order instead of
            // looking the keys up in the unique index (measured: O(entries) per call).
            return .query(
                SQLStatement(
                    """
                    SELECT \(Self.lotColumns()), NULL FROM points_lots \
                    WHERE group_id = ? AND brand_id = ? AND member_id = ? AND remaining > 0 \
                    UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, id FROM points_entries \
                    WHERE group_id = ? AND brand_id = ? AND idempotency_key IN (?, ?)
                    """, key + key.prefix(2) + idempotencyKeys))
        case .member:
            throw MemberCheckSQL.lockRefused(rows, member: request.member)
        case .read:
            if rows.contains(where: { $0.text(5) != nil }) {
                phase = .replay
                return .query(
                    SQLStatement(
                        "SELECT \(Self.entryColumns) FROM points_entries WHERE group_id = ? AND brand_id = ? "
                            + "AND idempotency_key IN (?, ?)", key.prefix(2) + idempotencyKeys))
            }
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
                    [
                        AccountChange(
                            entries, account: account, owner: (request.group, request.brand, request.member),
                            at: request.at, eventIDs: entryID)
                    ], dialect: dialect))
        case .replay:
            let stored = try rows.map(Self.entry).sorted { $0.entry.id < $1.entry.id }
            guard stored.allSatisfy({ $0.memberID == request.member.rawValue }) else {
                throw TesseraError.idempotencyKeyReused()
            }
            return .done(PointsOutcome(entries: stored.map(\.entry), balance: balance, debt: debt, replayed: true))
        case .written:
            guard let outcome else { preconditionFailure("points program resumed before deciding") }
            return .done(outcome)
        }
    }

    /// What one operation did to one account, for ``writes(_:dialect:)``: its entries, the account
    /// after them, and one domain event per entry.
    struct AccountChange {
        var group: String
        var brand: String
        var member: String
        var entries: [PointsEntry]
        var account: PointsAccount
        var at: Date
        var events: [[SQLValue]]

        /// The change of the owner's account to `account` by `entries` at `at`, its events' ids
        /// derived from `eventIDs`.
        init(
            _ entries: [PointsEntry], account: PointsAccount,
            owner: (group: GroupID, brand: BrandID, member: MemberID), at: Date, eventIDs: String
        ) {
            (group, brand, member) = (owner.group.rawValue, owner.brand.rawValue, owner.member.rawValue)
            (self.entries, self.account, self.at) = (entries, account, at)
            events = DomainEventSQL.rows(
                PointsLedgerProgram.events(entries, account: account, owner: owner), group: owner.group,
                idPrefix: eventIDs)
        }
    }

    /// Every entry, new lot, consumed lot, balance and event of `changes`, in order (an account
    /// changed more than once ends as its last change left it). Lots created here are inserted with
    /// what is left of them, so that no statement needs to see another's rows and PostgreSQL runs
    /// them all as one (``SQLBuilder/independentWrites(_:dialect:)``).
    ///
    /// With a `check` (PostgreSQL), the writes are one statement that writes nothing unless the
    /// check returns a row, and answers how many it returned (``SQLBuilder/guardedWrites(_:check:filter:)``;
    /// the check is the CTE `ok`).
    static func writes(_ changes: [AccountChange], dialect: SQLDialect, check: SQLStatement? = nil) -> [SQLStatement] {
        let entries = changes.flatMap { change in change.entries.map { (change, $0) } }
        guard !entries.isEmpty else { return [] }
        let filter = check == nil ? "" : " AND " + Self.checkPassed
        // Points taken from each lot, by group and lot id (a lot id is unique in its group).
        var taken: [[String]: Int64] = [:]
        for (change, entry) in entries {
            for part in entry.consumed { taken[[change.group, part.lotID], default: 0] += part.points }
        }
        var statements = SQLBuilder.insert(
            into: "points_entries",
            columns: [
                "group_id", "id", "brand_id", "member_id", "kind", "points", "debt", "reason", "source_type",
                "source_id", "idempotency_key", "consumed", "occurred_at",
            ],
            markers: Array(repeating: "?", count: 11) + [dialect == .postgres ? "?::jsonb" : "?", "?"],
            rows: entries.map { change, entry in
                [
                    .text(change.group), .text(entry.id), .text(change.brand), .text(change.member),
                    .text(entry.kind.rawValue), .int(entry.points), .int(entry.debt), .text(entry.reason),
                    .text(entry.source.type), .optional(entry.source.id), .text(entry.idempotencyKey),
                    .text(consumedJSON(entry.consumed)), .int(Timestamp.micros(entry.occurredAt)),
                ]
            })
        let created = entries.compactMap { change, entry in entry.createdLot.map { (change, $0) } }
        statements += SQLBuilder.insert(
            into: "points_lots",
            columns: ["group_id", "id", "brand_id", "member_id", "earned_at", "expires_at", "amount", "remaining"],
            rows: created.map { change, lot in
                [
                    .text(change.group), .text(lot.id), .text(change.brand), .text(change.member),
                    .int(Timestamp.micros(lot.earnedAt)), .optional(lot.expiresAt.map(Timestamp.micros)),
                    .int(lot.amount), .int(lot.remaining - (taken[[change.group, lot.id]] ?? 0)),
                ]
            })
        for (change, lot) in created { taken[[change.group, lot.id]] = nil }
        // Each consumed lot lowered by exactly what was taken (the CHECK on `remaining` refuses an
        // over-consumption even if the domain allowed one); on SQLite in compound SELECTs of at most
        // 256 terms (500 is its limit).
        let takenRows: [[SQLValue]] = taken.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
            [.text($0.key[0]), .text($0.key[1]), .int($0.value)]
        }
        let takenColumns = [("group_id", "TEXT"), ("id", "TEXT"), ("taken", "BIGINT")]
        for chunk in SQLBuilder.chunks(takenRows, largest: dialect == .postgres ? takenRows.count : 256) {
            let table = SQLBuilder.derivedTable(
                columns: takenColumns, rows: Array(chunk), dialect: dialect, padded: true)
            statements.append(
                SQLStatement(
                    """
                    UPDATE points_lots SET remaining = points_lots.remaining - u.taken \
                    FROM (\(table.sql)) AS \(SQLBuilder.derivedAlias(takenColumns, dialect: dialect)) \
                    WHERE points_lots.group_id = u.group_id AND points_lots.id = u.id\(filter)
                    """, table.arguments))
        }
        var last: [[String]: AccountChange] = [:]
        for change in changes where !change.entries.isEmpty {
            last[[change.group, change.brand, change.member]] = change
        }
        let columns = [
            ("group_id", "TEXT"), ("brand_id", "TEXT"), ("member_id", "TEXT"), ("balance", "BIGINT"),
            ("debt", "BIGINT"), ("at", "BIGINT"),
        ]
        let table = SQLBuilder.derivedTable(
            columns: columns,
            rows: last.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { _, change in
                [
                    .text(change.group), .text(change.brand), .text(change.member), .int(change.account.balance),
                    .int(change.account.debt), .int(Timestamp.micros(change.at)),
                ]
            }, dialect: dialect, padded: true)
        statements.append(
            SQLStatement(
                """
                UPDATE points_accounts SET balance = u.balance, debt = u.debt, updated_at = u.at \
                FROM (\(table.sql)) AS \(SQLBuilder.derivedAlias(columns, dialect: dialect)) \
                WHERE points_accounts.group_id = u.group_id AND points_accounts.brand_id = u.brand_id \
                AND points_accounts.member_id = u.member_id\(filter)
                """, table.arguments))
        statements += DomainEventSQL.insert(rows: changes.flatMap(\.events), dialect: dialect)
        if let check {
            return [SQLBuilder.guardedWrites(statements, check: check, filter: Self.checkPassed)]
        }
        return SQLBuilder.independentWrites(statements, dialect: dialect)
    }

    /// The condition every guarded write carries: the check (the CTE `ok`) returned a row.
    static let checkPassed = "EXISTS (SELECT 1 FROM ok)"

    /// `points.earned`, `points.redeemed`, … one per entry, with the balance after the operation.
    static func events(
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
        // Written directly: `JSONEncoder` was 2.7% of the server's CPU on the redemption benchmark.
        JSONValue.array(
            parts.map { .object(["lotID": .string($0.lotID), "points": .number(Decimal($0.points))]) }
        ).jsonText
    }
}
