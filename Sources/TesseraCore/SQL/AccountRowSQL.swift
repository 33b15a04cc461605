import Foundation
import TesseraDomain

/// A ledger's account row per member and brand — the lock every operation on the account takes
/// and the cached balances — shared by the points and stored-value ledgers.
struct AccountRowSQL: Sendable {
    let table: String
    /// The two balance columns, read back in this order by ``lock(group:brand:member:at:)``.
    let balances: (String, String)

    static let points = AccountRowSQL(table: "points_accounts", balances: ("balance", "debt"))
    static let storedValue = AccountRowSQL(table: "stored_value_accounts", balances: ("principal", "bonus"))

    /// Creates the member's empty account if missing, so that there is a row to lock.
    func ensure(group: GroupID, brand: BrandID, member: MemberID, at: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO \(table) (group_id, brand_id, member_id, \(balances.0), \(balances.1), updated_at) "
                + "VALUES (?, ?, ?, 0, 0, ?) ON CONFLICT (group_id, brand_id, member_id) DO NOTHING",
            [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue), .int(Timestamp.micros(at))])
    }

    /// Checks the member, creates its account if missing and locks it, in one statement: the
    /// account's balances when the member exists and was not merged away, no row otherwise (then
    /// ``MemberCheckSQL`` tells which). The upsert's no-op update is what takes the lock — on
    /// PostgreSQL as `FOR UPDATE` would, with the row's latest committed balances; SQLite's single
    /// writer is the lock there. One round trip instead of three (check, ensure, lock).
    func lock(group: GroupID, brand: BrandID, member: MemberID, at: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO \(table) (group_id, brand_id, member_id, \(balances.0), \(balances.1), updated_at) \
            SELECT group_id, ?, id, 0, 0, ? FROM members WHERE group_id = ? AND id = ? AND merged_into IS NULL \
            ON CONFLICT (group_id, brand_id, member_id) DO UPDATE SET updated_at = \(table).updated_at \
            RETURNING \(balances.0), \(balances.1)
            """,
            [.text(brand.rawValue), .int(Timestamp.micros(at)), .text(group.rawValue), .text(member.rawValue)])
    }

    /// ``lock(group:brand:member:at:)`` for several accounts in one statement, taking the row locks
    /// in the order given — callers sort, so that two batches never wait on each other in a cycle.
    /// Returns `group_id, brand_id, member_id` and the two balances for each account whose member
    /// exists and was not merged away; the others are missing from the rows.
    func lock(_ accounts: [(group: String, brand: String, member: String, at: Date)], dialect: SQLDialect)
        -> SQLStatement
    {
        let columns = [
            ("group_id", "TEXT"), ("brand_id", "TEXT"), ("member_id", "TEXT"), ("at", "BIGINT"), ("n", "BIGINT"),
        ]
        let derived = SQLBuilder.derivedTable(
            columns: columns,
            rows: accounts.enumerated().map { index, account in
                [
                    .text(account.group), .text(account.brand), .text(account.member),
                    .int(Timestamp.micros(account.at)), .int(Int64(index)),
                ]
            }, dialect: dialect, padded: true)
        return SQLStatement(
            """
            INSERT INTO \(table) (group_id, brand_id, member_id, \(balances.0), \(balances.1), updated_at) \
            SELECT m.group_id, u.brand_id, m.id, 0, 0, u.at \
            FROM (\(derived.sql)) AS \(SQLBuilder.derivedAlias(columns, dialect: dialect)) \
            JOIN members m ON m.group_id = u.group_id AND m.id = u.member_id WHERE m.merged_into IS NULL ORDER BY u.n \
            ON CONFLICT (group_id, brand_id, member_id) DO UPDATE SET updated_at = \(table).updated_at \
            RETURNING group_id, brand_id, member_id, \(balances.0), \(balances.1)
            """, derived.arguments)
    }
}
