import Foundation
import TesseraDomain

/// Quotes, redeems, voids or restores one coupon. The coupon row is locked (PostgreSQL
/// `FOR UPDATE`; SQLite's single writer) before its status is judged, so of any number of
/// concurrent redemptions of one code exactly one succeeds; the others see it used.
struct CouponChangeProgram: SQLProgram {
    let dialect: SQLDialect
    let change: CouponChange

    private var outcome: CouponOutcome?

    init(dialect: SQLDialect, change: CouponChange) {
        (self.dialect, self.change) = (dialect, change)
    }

    mutating func start() throws -> SQLStep<CouponOutcome> {
        outcome = nil
        return .query(
            SQLStatement(
                """
                SELECT \(CouponChange.rowColumns) FROM coupons c JOIN coupon_templates t \
                ON t.group_id = c.group_id AND t.id = c.template_id WHERE c.group_id = ? AND c.code = ?
                """ + (dialect == .postgres && change.action.writes ? " FOR UPDATE OF c" : ""),
                [.text(change.group.rawValue), .text(change.code)]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<CouponOutcome> {
        if let outcome { return .done(outcome) }
        let decision = try change.decide(CouponChange.State(rows.first))
        guard let event = decision.event else { return .done(decision.outcome) }
        outcome = decision.outcome
        // The coupon's row and its event: one round trip on PostgreSQL.
        return .execute(
            SQLBuilder.independentWrites(
                [CouponChange.update([(decision.state, change.at)], dialect: dialect)]
                    + DomainEventSQL.insert(
                        [event], group: change.group, idPrefix: change.id, dialect: dialect), dialect: dialect))
    }
}
