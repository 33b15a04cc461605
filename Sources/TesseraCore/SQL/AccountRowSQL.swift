import Foundation
import TesseraDomain

/// A ledger's account row per member and brand — the lock every operation on the account takes
/// and the cached balances — shared by the points and stored-value ledgers.
struct AccountRowSQL: Sendable {
    let table: String
    /// The two balance columns, read back in this order by ``lock(group:brand:member:dialect:)``.
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

    /// The account's balances, locked (PostgreSQL `FOR UPDATE`; SQLite's single writer is the lock).
    func lock(group: GroupID, brand: BrandID, member: MemberID, dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            "SELECT \(balances.0), \(balances.1) FROM \(table) WHERE group_id = ? AND brand_id = ? AND member_id = ?"
                + (dialect == .postgres ? " FOR UPDATE" : ""),
            [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)])
    }
}
