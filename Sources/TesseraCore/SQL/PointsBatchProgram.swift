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
///
/// **Versioned** (PostgreSQL, ``Locking/atWrite``, run by ``SQLDriver/runWithoutTransaction(_:)``):
/// two round trips and no transaction. One read returns the accounts with their row versions
/// (`xmin`), their open lots and the stored keys, all from one snapshot; the one write statement
/// first locks the accounts it changes, in sorted order, and writes only if each still has the
/// version read and its member was not merged away (``SQLBuilder/guardedWrites(_:check:filter:)``).
/// That suffices because every change to an account's lots also updates its account row, in the
/// same transaction, after locking it (``PointsLedgerProgram/writes(_:dialect:check:)`` is the only
/// writer of lots): an unchanged version means unchanged lots. When a member has no account yet,
/// or an account changed in between, every answer is ``Answer/unsettled`` and nothing was
/// written: the caller runs the batch again with ``Locking/upfront``. A refusal decided from the
/// read stands: it is the answer the operation had at that snapshot.
struct PointsBatchProgram: SQLProgram {
    /// One operation's answer.
    enum Answer: Sendable {
        case done(PointsOutcome)
        case refused(TesseraError)
        /// Not decided here: run it alone once the batch has committed.
        case deferred
        /// Versioned mode only: an account was missing or changed after the read; nothing was
        /// written. Run the batch again with ``Locking/upfront``.
        case unsettled

        var isUnsettled: Bool { if case .unsettled = self { true } else { false } }
    }

    /// When the batch takes its accounts' row locks.
    enum Locking: Sendable {
        /// First, in its own statement, inside the driver's transaction.
        case upfront
        /// In the write statement, which checks the versions read (PostgreSQL only).
        case atWrite
    }

    /// Most requests in one batch. Each has two idempotency keys, and SQLite reads the keys from a
    /// compound `SELECT` (``SQLBuilder/derivedTable(columns:rows:dialect:padded:)``), which may have
    /// at most 500 terms.
    static let largestBatch = 128

    /// Most requests in a batch run versioned; larger batches lock up front. Versioned saves round
    /// trips, a fixed cost per batch, but does more per account (the members are checked in the
    /// read and again in the write, whose locks are taken there): the expiry pass's batches of 128
    /// ran 35% slower versioned (1M lots: 22.3–24.5 s against 16.3–17.7 s), while concurrent
    /// redemptions, batches of a few, gained 9% (BENCHMARKS.md, session 30).
    static let largestVersionedBatch = 32

    let dialect: SQLDialect
    let requests: [PointsRequest]
    /// One entry id per request.
    let entryIDs: [String]
    let locking: Locking

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
    /// Versioned mode: each account's row version (`xmin`) as read.
    private var versions: [AccountKey: String] = [:]
    private var answers: [Answer] = []

    init(dialect: SQLDialect, requests: [PointsRequest], entryIDs: [String], locking: Locking = .upfront) {
        precondition(requests.count == entryIDs.count, "one entry id per request")
        precondition(requests.count <= Self.largestBatch, "at most \(Self.largestBatch) requests in a batch")
        precondition(locking == .upfront || dialect == .postgres, "row versions are PostgreSQL's")
        (self.dialect, self.requests, self.entryIDs, self.locking) = (dialect, requests, entryIDs, locking)
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
        versions = [:]
        answers = []
        var first: [AccountKey: Date] = [:]
        for request in requests where first[Self.account(request)] == nil { first[Self.account(request)] = request.at }
        guard locking == .upfront else {
            phase = .read
            return .query(read(first.keys.sorted()))
        }
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
            return .query(read(balances.keys.sorted()))
        case .read:
            if locking == .atWrite {
                for row in rows {
                    guard let version = row.text(9) else { continue }
                    // A member without an account yet: creating it takes the upfront lock's upsert.
                    guard !version.isEmpty else { return unsettled() }
                    let key = AccountKey(group: row.text(0) ?? "", brand: row.text(1) ?? "", member: row.text(2) ?? "")
                    balances[key] = (row.int(6) ?? 0, row.int(7) ?? 0)
                    versions[key] = version
                }
            }
            let changes = apply(rows)
            phase = .written
            guard locking == .atWrite else {
                let statements = PointsLedgerProgram.writes(changes, dialect: dialect)
                return statements.isEmpty ? .done(answers) : .execute(statements)
            }
            let changed = Set(
                changes.filter { !$0.entries.isEmpty }.map {
                    AccountKey(group: $0.group, brand: $0.brand, member: $0.member)
                })
            let check = versionCheck(changed.sorted())
            guard let write = PointsLedgerProgram.writes(changes, dialect: dialect, check: check).first else {
                return .done(answers)
            }
            return .query(write)
        case .written:
            guard locking == .atWrite else { return .done(answers) }
            // The guarded write answers one row: how many rows its check returned (1 or 0).
            return rows.first?.int(0) == 1 ? .done(answers) : unsettled()
        }
    }

    private func unsettled() -> SQLStep<[Answer]> { .done(requests.map { _ in .unsettled }) }

    /// The open lots of `accounts` and the stored entries' keys among the requests' keys; in
    /// versioned mode first the accounts themselves — balances in the lot's `amount` and
    /// `remaining` columns, the row version in a tenth, empty when the member has no account yet —
    /// for each member that exists and was not merged away (the others are answered
    /// ``Answer/deferred``, as upfront).
    private func read(_ sortedAccounts: [AccountKey]) -> SQLStatement {
        let accountColumns = [("group_id", "TEXT"), ("brand_id", "TEXT"), ("member_id", "TEXT")]
        let accounts = SQLBuilder.derivedTable(
            columns: accountColumns,
            rows: sortedAccounts.map { [.text($0.group), .text($0.brand), .text($0.member)] },
            dialect: dialect, padded: true)
        let keyColumns = [("group_id", "TEXT"), ("brand_id", "TEXT"), ("idempotency_key", "TEXT")]
        let keys = SQLBuilder.derivedTable(
            columns: keyColumns,
            rows: Set(
                requests.filter { locking == .atWrite || balances[Self.account($0)] != nil }.flatMap(Self.keys)
            ).map {
                [.text($0.group), .text($0.brand), .text($0.key)]
            }, dialect: dialect, padded: true)
        let alias = SQLBuilder.derivedAlias(accountColumns, dialect: dialect)
        var accountRows = (sql: "", arguments: [SQLValue]())
        if locking == .atWrite {
            accountRows = (
                """
                SELECT u.group_id, u.brand_id, u.member_id, NULL, NULL, NULL, a.balance, a.debt, NULL, \
                COALESCE(CAST(a.xmin AS TEXT), '') FROM (\(accounts.sql)) AS \(alias) \
                JOIN members m ON m.group_id = u.group_id AND m.id = u.member_id AND m.merged_into IS NULL \
                LEFT JOIN points_accounts a ON a.group_id = u.group_id AND a.brand_id = u.brand_id \
                AND a.member_id = u.member_id
                """ + " UNION ALL ", accounts.arguments
            )
        }
        let lots = SQLBuilder.probe(
            "points_lots", as: "l",
            on: "l.group_id = u.group_id AND l.brand_id = u.brand_id AND l.member_id = u.member_id AND l.remaining > 0",
            dialect: dialect)
        let entries = SQLBuilder.probe(
            "points_entries", as: "e",
            on: "e.group_id = k.group_id AND e.brand_id = k.brand_id AND e.idempotency_key = k.idempotency_key",
            dialect: dialect)
        return SQLStatement(
            """
            \(accountRows.sql)SELECT l.group_id, l.brand_id, l.member_id, \(PointsLedgerProgram.lotColumns("l")), \
            NULL, NULL FROM (\(accounts.sql)) AS \(alias) \(lots) \
            UNION ALL SELECT e.group_id, e.brand_id, NULL, NULL, NULL, NULL, NULL, NULL, e.idempotency_key, NULL \
            FROM (\(keys.sql)) AS \(SQLBuilder.derivedAlias(keyColumns, dialect: dialect, alias: "k")) \(entries)
            """, accountRows.arguments + accounts.arguments + keys.arguments)
    }

    /// Versioned mode: the write's check, which locks `accounts` (sorted) and returns one row if
    /// each still has the version read and its member was not merged away, none otherwise.
    private func versionCheck(_ accounts: [AccountKey]) -> SQLStatement {
        let columns = [("group_id", "TEXT"), ("brand_id", "TEXT"), ("member_id", "TEXT"), ("version", "TEXT")]
        let read = SQLBuilder.derivedTable(
            columns: columns,
            rows: accounts.map { [.text($0.group), .text($0.brand), .text($0.member), .text(versions[$0] ?? "")] },
            dialect: dialect, padded: true)
        return SQLStatement(
            """
            SELECT 1 FROM (SELECT a.member_id FROM (\(read.sql)) AS \(SQLBuilder.derivedAlias(columns, dialect: dialect)) \
            JOIN points_accounts a ON a.group_id = u.group_id AND a.brand_id = u.brand_id AND a.member_id = u.member_id \
            JOIN members m ON m.group_id = a.group_id AND m.id = a.member_id \
            WHERE a.xmin = CAST(u.version AS xid) AND m.merged_into IS NULL \
            ORDER BY u.group_id, u.brand_id, u.member_id FOR UPDATE OF a) AS x HAVING count(*) = ?
            """, read.arguments + [.int(Int64(accounts.count))])
    }

    /// Applies the requests to the accounts read in `rows`, sets ``answers`` and returns the
    /// changes to write.
    private mutating func apply(_ rows: [SQLRow]) -> [PointsLedgerProgram.AccountChange] {
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
        return written
    }
}
