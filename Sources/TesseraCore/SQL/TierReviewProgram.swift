import Foundation
import TesseraDomain

/// Closes a member's ended tier periods under the brand's current programme, holding the member's
/// `loyalty_members` row lock. A brand that dropped its tiers stops reviewing the member.
struct TierReviewProgram: SQLProgram {
    let dialect: SQLDialect
    let group: GroupID
    let brand: BrandID
    let member: MemberID
    let at: Date
    let id: String

    private enum Phase { case program, lock, written }
    private var phase = Phase.program
    private var program = LoyaltyProgram.standard
    private var changes: [TierChange] = []

    init(dialect: SQLDialect, group: GroupID, brand: BrandID, member: MemberID, at: Date, id: String) {
        (self.dialect, self.group, self.brand, self.member, self.at, self.id) = (dialect, group, brand, member, at, id)
    }

    mutating func start() throws -> SQLStep<[TierChange]> {
        (phase, program, changes) = (.program, .standard, [])
        return .query(ProgramSQL.select(group: group, brand: brand))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<[TierChange]> {
        switch phase {
        case .program:
            program = try ProgramSQL.parse(rows).program
            phase = .lock
            return .query(GrowthLedger.lock(group: group, brand: brand, member: member, dialect: dialect))
        case .lock:
            guard let row = rows.first, var ledger = GrowthLedger(row, from: 0) else { return .done([]) }
            phase = .written
            guard program.tiers != nil else {
                return .execute([
                    SQLStatement(
                        "UPDATE loyalty_members SET period_end = NULL, grace_until = NULL, review_at = NULL WHERE group_id = ? AND brand_id = ? AND member_id = ?",
                        [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)])
                ])
            }
            let review = ledger.apply(
                0, program: program, at: at, reason: "tier review", source: PointsSource(type: "system"),
                key: "review:\(id)", id: id, owner: (group, brand, member), dialect: dialect)
            changes = review.changes
            return review.statements.isEmpty ? .done(changes) : .execute(review.statements)
        case .written:
            return .done(changes)
        }
    }
}
