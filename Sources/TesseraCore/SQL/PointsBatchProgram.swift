import Foundation
import TesseraDomain

/// Many points operations — of any members, groups and brands — in one transaction and three
/// statements, each answered on its own: what ``PointsLedgerProgram`` does for one operation, done
/// for all of them at once.
///
/// 1. One upsert locks every account the operations touch (in sorted order, so concurrent batches
///    cannot deadlock) and returns its balances; a member that is unknown or merged away is missing.
/// 2. One read returns the open lots of every locked account and the keys already stored among
///    the operations' idempotency keys.
/// 3. The pure ``PointsAccount`` applies the operations in their order (several on one account see
///    each other's effect), and one statement on PostgreSQL (a few on SQLite) writes every entry,
///    lot, balance and domain event.
///
/// A refusal (`insufficient_points`, a bad amount) is that operation's answer and changes nothing;
/// the others go on. What the batch does not decide itself is ``Answer/deferred``: an unknown or
/// merged member, a replayed key, a key used twice in the batch. The caller runs those one by one
/// with ``PointsLedgerProgram`` after the batch commits, which gives them exactly the answer they
/// would have had alone. Why batch at all: on PostgreSQL a redemption alone is five round trips
/// and a commit; 64 concurrent ones in batches share them (`BENCHMARKS.md`, session 23).
struct PointsBatchProgram: SQLProgram {
    /// One operation's answer.
    enum Answer: Sendable {
        case done(PointsOutcome)
        case refused(TesseraError)
        /// Not decided here: run it alone once the batch has committed.
        case deferred
    }

    /// Most requests in one batch. Each has two idempotency keys, and SQLite reads the keys from a
    /// compound `SELECT` (``SQLBuilder/derivedTable(columns:rows:dialect:padded:)``), which may have
    /// at most 500 terms.
    static let largestBatch = 128

    let dialect: SQLDialect
    let requests: [PointsRequest]
    /// One entry id per request.
    let entryIDs: [String]

    private struct AccountKey: Hashable, Comparable {
        var group: String
        var brand: String
        var member: String

        static func < (left: Self, right: Self) -> Bool {
            (left.group, left.brand, left.member) < (right.group, right.brand, right.member)
        }
    }

    /// An idempotency key as the unique index scopes it.
    private struct ScopedKey: Hashable {
        var group: String
        var brand: String
        var key: String
    }

    private enum Phase { case lock, read, written }
    private var phase = Phase.lock
    private var balances: [AccountKey: (balance: Int64, debt: Int64)] = [:]
    private var answers: [Answer] = []

    init(dialect: SQLDialect, requests: [PointsRequest], entryIDs: [String]) {
        precondition(requests.count == entryIDs.count, "one entry id per request")
        precondition(requests.count <= Self.largestBatch, "at most \(Self.largestBatch) requests in a batch")
        (self.dialect, self.requests, self.entryIDs) = (dialect, requests, entryIDs)
    }

    private static func account(_ request: PointsRequest) -> AccountKey {
        AccountKey(group: request.group.rawValue, brand: request.brand.rawValue, member: request.member.rawValue)
    }

    /// The keys an operation's entries may be stored under: its own and, for an expiry first, `#expire`.
    private static func keys(_ request: PointsRequest) -> [ScopedKey] {
        [request.idempotencyKey, request.idempotencyKey + "#expire"].map {
            ScopedKey(group: request.group.rawValue, brand: request.brand.rawValue, key: $0)
        }
    }

    mutating func start() throws -> SQLStep<[Answer]> {
        phase = .lock
        balances = [:]
        answers = []
        var first: [AccountKey: Date] = [:]
        for request in requests where first[Self.account(request)] == nil { first[Self.account(request)] = request.at }
        let accounts = first.sorted { $0.key < $1.key }.map { ($0.key.group, $0.key.brand, $0.key.member, $0.value) }
        return .query(AccountRowSQL.points.lock(accounts, dialect: dialect))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<[Answer]> {
        switch phase {
        case .lock:
            for row in rows {
                let key = AccountKey(group: row.text(0) ?? "", brand: row.text(1) ?? "", member: row.text(2) ?? "")
                balances[key] = (row.int(3) ?? 0, row.int(4) ?? 0)
            }
            guard !balances.isEmpty else { return .done(requests.map { _ in .deferred }) }
            phase = .read
            return .query(read())
        case .read:
            let statements = apply(rows)
            phase = .written
            return statements.isEmpty ? .done(answers) : .execute(statements)
        case .written:
            return .done(answers)
        }
    }

    /// The open lots of the locked accounts and the stored entries' keys among the requests' keys.
    private func read() -> SQLStatement {
        let accountColumns = [("group_id", "TEXT"), ("brand_id", "TEXT"), ("member_id", "TEXT")]
        let accounts = SQLBuilder.derivedTable(
            columns: accountColumns,
            rows: balances.keys.sorted().map { [.text($0.group), .text($0.brand), .text($0.member)] },
            dialect: dialect, padded: true)
        let keyColumns = [("group_id", "TEXT"), ("brand_id", "TEXT"), ("idempotency_key", "TEXT")]
        let keys = SQLBuilder.derivedTable(
            columns: keyColumns,
            rows: Set(requests.filter { balances[Self.account($0)] != nil }.flatMap(Self.keys)).map {
                [.text($0.group), .text($0.brand), .text($0.key)]
            }, dialect: dialect, padded: true)
        return SQLStatement(
            """
            SELECT l.group_id, l.brand_id, l.member_id, \(PointsLedgerProgram.lotColumns("l")), NULL \
            FROM (\(accounts.sql)) AS \(SQLBuilder.derivedAlias(accountColumns, dialect: dialect)) \
            JOIN points_lots l ON l.group_id = u.group_id AND l.brand_id = u.brand_id AND l.member_id = u.member_id \
            WHERE l.remaining > 0 \
            UNION ALL SELECT e.group_id, e.brand_id, NULL, NULL, NULL, NULL, NULL, NULL, e.idempotency_key \
            FROM (\(keys.sql)) AS \(SQLBuilder.derivedAlias(keyColumns, dialect: dialect, alias: "k")) \
            JOIN points_entries e ON e.group_id = k.group_id AND e.brand_id = k.brand_id \
            AND e.idempotency_key = k.idempotency_key
            """, accounts.arguments + keys.arguments)
    }

    /// Applies the requests to the accounts read in `rows`, sets ``answers`` and returns the writes.
    private mutating func apply(_ rows: [SQLRow]) -> [SQLStatement] {
        var lots: [AccountKey: [PointsLot]] = [:]
        var used = Set<ScopedKey>()
        for row in rows {
            let tail = SQLRow(Array(row.values.dropFirst(3)))
            if let lot = PointsLedgerProgram.lot(tail) {
                let key = AccountKey(group: row.text(0) ?? "", brand: row.text(1) ?? "", member: row.text(2) ?? "")
                lots[key, default: []].append(lot)
            } else if let key = row.text(8) {
                used.insert(ScopedKey(group: row.text(0) ?? "", brand: row.text(1) ?? "", key: key))
            }
        }
        var accounts: [AccountKey: PointsAccount] = [:]
        var written: [PointsLedgerProgram.AccountChange] = []
        for (request, entryID) in zip(requests, entryIDs) {
            let key = Self.account(request)
            // Unknown or merged members, replays and keys used twice are answered one by one later.
            guard let stored = balances[key], Self.keys(request).allSatisfy({ !used.contains($0) }) else {
                answers.append(.deferred)
                continue
            }
            var account = accounts[key] ?? PointsAccount(lots: lots[key] ?? [], debt: stored.debt)
            guard accounts[key] != nil || account.balance == stored.balance else {
                answers.append(
                    .refused(
                        .unavailable(
                            "points account \(request.member) is inconsistent: balance \(stored.balance), "
                                + "lots \(account.balance)")))
                continue
            }
            do {
                let entries = try account.apply(
                    request.operation, id: entryID, reason: request.reason, source: request.source,
                    idempotencyKey: request.idempotencyKey, at: request.at)
                accounts[key] = account
                used.formUnion(
                    entries.map { ScopedKey(group: key.group, brand: key.brand, key: $0.idempotencyKey) })
                written.append(
                    PointsLedgerProgram.AccountChange(
                        entries, account: account, owner: (request.group, request.brand, request.member),
                        at: request.at, eventIDs: entryID))
                answers.append(
                    .done(
                        PointsOutcome(entries: entries, balance: account.balance, debt: account.debt, replayed: false)))
            } catch {
                answers.append(.refused(.rejected(code: error.code, field: error.field, reason: error.message)))
            }
        }
        return PointsLedgerProgram.writes(written, dialect: dialect)
    }
}
