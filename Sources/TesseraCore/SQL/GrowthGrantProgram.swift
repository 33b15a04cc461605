import Foundation
import TesseraDomain

/// Adds growth value to a member of a brand once per idempotency key, under the member's
/// `loyalty_members` row lock, moving their tier as the programme says (a journey's growth grant).
/// Answers whether this call added it (false: the key was used before).
struct GrowthGrantProgram: SQLProgram {
    let dialect: SQLDialect
    let group: GroupID
    let brand: BrandID
    let member: MemberID
    let growth: Int64
    let reason: String
    let source: PointsSource
    let key: String
    let at: Date
    let id: String

    private enum Phase { case member, program, ensured, lock, replay, written }
    private var phase = Phase.member
    private var program = LoyaltyProgram.standard
    private var ledger: GrowthLedger?

    init(
        dialect: SQLDialect, group: GroupID, brand: BrandID, member: MemberID, growth: Int64, reason: String,
        source: PointsSource, key: String, at: Date, id: String
    ) {
        (self.dialect, self.group, self.brand, self.member, self.growth) = (dialect, group, brand, member, growth)
        (self.reason, self.source, self.key, self.at, self.id) = (reason, source, key, at, id)
    }

    mutating func start() throws -> SQLStep<Bool> {
        (phase, program, ledger) = (.member, .standard, nil)
        return .query(MemberCheckSQL.select(group: group, member: member))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Bool> {
        switch phase {
        case .member:
            try MemberCheckSQL.requireActive(rows, member: member)
            phase = .program
            return .query(ProgramSQL.select(group: group, brand: brand))
        case .program:
            program = try ProgramSQL.parse(rows).program
            phase = .ensured
            return .execute([GrowthLedger.ensure(group: group, brand: brand, member: member, at: at)])
        case .ensured:
            phase = .lock
            return .query(GrowthLedger.lock(group: group, brand: brand, member: member, dialect: dialect))
        case .lock:
            ledger = rows.first.flatMap { GrowthLedger($0, from: 0) }
            phase = .replay
            return .query(
                SQLStatement(
                    "SELECT 1 FROM growth_entries WHERE group_id = ? AND brand_id = ? AND idempotency_key = ?",
                    [.text(group.rawValue), .text(brand.rawValue), .text(key)]))
        case .replay:
            guard rows.isEmpty, var ledger else { return .done(false) }
            phase = .written
            let applied = ledger.apply(
                growth, program: program, at: at, reason: reason, source: source, key: key, id: id,
                owner: (group, brand, member), dialect: dialect)
            return applied.statements.isEmpty ? .done(true) : .execute(applied.statements)
        case .written:
            return .done(true)
        }
    }
}
