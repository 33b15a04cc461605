import Foundation
import TesseraDomain

/// Quotes, redeems, voids or restores one coupon. The coupon row is locked (PostgreSQL
/// `FOR UPDATE`; SQLite's single writer) before its status is judged, so of any number of
/// concurrent redemptions of one code exactly one succeeds; the others see it used.
struct CouponChangeProgram: SQLProgram {
    let dialect: SQLDialect
    let action: CouponAction
    let code: String
    let group: GroupID
    let brand: BrandID
    let at: Date
    let id: String

    private var outcome: CouponOutcome?

    init(dialect: SQLDialect, action: CouponAction, code: String, group: GroupID, brand: BrandID, at: Date, id: String)
    {
        (self.dialect, self.action, self.code, self.group, self.brand, self.at, self.id) = (
            dialect, action, code, group, brand, at, id
        )
    }

    mutating func start() throws -> SQLStep<CouponOutcome> {
        outcome = nil
        return .query(
            SQLStatement(
                """
                SELECT \(CouponSQL.columns), CAST(t.config AS TEXT) FROM coupons c JOIN coupon_templates t \
                ON t.group_id = c.group_id AND t.id = c.template_id WHERE c.group_id = ? AND c.code = ?
                """ + (dialect == .postgres && action.writes ? " FOR UPDATE OF c" : ""),
                [.text(group.rawValue), .text(code)]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<CouponOutcome> {
        if let outcome { return .done(outcome) }
        // Another brand's coupon is not found, rather than revealing that the code exists.
        guard let row = rows.first, row.text(3) == brand.rawValue, let config = row.text(13) else {
            throw CouponSQL.rejected("coupon_not_found", "no coupon with this code in this brand")
        }
        var coupon = CouponSQL.record(row)
        let template = try ConfigCoding.decode(CouponTemplate.self, from: config)
        let redeemKey = row.text(12)
        let statements: [SQLStatement]
        switch action {
        case .quote(let cart, let member):
            let quote = try usable(coupon, template: template, cart: cart, member: member)
            return .done(CouponOutcome(coupon: coupon, quote: quote))
        case .redeem(let cart, let member, let orderID, let key):
            if coupon.status == .redeemed, redeemKey == key {
                return .done(
                    CouponOutcome(
                        coupon: coupon, quote: CouponQuote(discountMinor: coupon.discountMinor ?? 0), replayed: true))
            }
            let quote = try usable(coupon, template: template, cart: cart, member: member)
            (coupon.status, coupon.redeemedAt, coupon.orderID, coupon.discountMinor) = (
                .redeemed, at, orderID, quote.discountMinor
            )
            statements =
                [
                    SQLStatement(
                        """
                        UPDATE coupons SET status = 'redeemed', redeemed_at = ?, order_ref = ?, discount_minor = ?, \
                        redeem_key = ?, updated_at = ? WHERE group_id = ? AND id = ? AND status = 'issued'
                        """,
                        [
                            .int(Timestamp.micros(at)), .text(orderID), .int(quote.discountMinor), .text(key),
                            .int(Timestamp.micros(at)), .text(group.rawValue), .text(coupon.id),
                        ])
                ]
                + CouponSQL.event(
                    "coupon.redeemed", coupon, group: group, id: id,
                    extra: ["orderId": .string(orderID), "discountMinor": .number(Decimal(quote.discountMinor))],
                    at: at,
                    dialect: dialect)
            outcome = CouponOutcome(coupon: coupon, quote: quote)
        case .void(let reason):
            if coupon.status == .voided { return .done(CouponOutcome(coupon: coupon, quote: nil, replayed: true)) }
            guard coupon.status == .issued else {
                throw CouponSQL.rejected(
                    "coupon_used", "only an unused coupon can be voided; this one is \(coupon.status.rawValue)")
            }
            coupon.status = .voided
            statements =
                [statusUpdate(coupon, clearRedemption: false)]
                + CouponSQL.event(
                    "coupon.voided", coupon, group: group, id: id, extra: ["reason": .string(reason)], at: at,
                    dialect: dialect)
            outcome = CouponOutcome(coupon: coupon, quote: nil)
        case .restore(let reason):
            guard coupon.status == .redeemed else {
                throw CouponSQL.rejected("coupon_not_redeemed", "only a redeemed coupon can be restored")
            }
            coupon.status = coupon.validUntil > at ? .issued : .expired
            (coupon.redeemedAt, coupon.orderID, coupon.discountMinor) = (nil, nil, nil)
            statements =
                [statusUpdate(coupon, clearRedemption: true)]
                + CouponSQL.event(
                    "coupon.restored", coupon, group: group, id: id,
                    extra: ["reason": .string(reason), "status": .string(coupon.status.rawValue)], at: at,
                    dialect: dialect)
            outcome = CouponOutcome(coupon: coupon, quote: nil)
        }
        // The coupon's row and its event: one round trip on PostgreSQL.
        return .execute(SQLBuilder.independentWrites(statements, dialect: dialect))
    }

    /// The quote when the coupon can be used now by `member` on `cart`, else the reason it cannot.
    private func usable(_ coupon: CouponRecord, template: CouponTemplate, cart: CouponCart, member: MemberID?) throws
        -> CouponQuote
    {
        if let member, member != coupon.member {
            throw CouponSQL.rejected("coupon_foreign", "this coupon belongs to another member")
        }
        switch coupon.status {
        case .redeemed: throw CouponSQL.rejected("coupon_used", "this coupon was already used")
        case .voided: throw CouponSQL.rejected("coupon_voided", "this coupon was voided")
        case .expired: throw CouponSQL.rejected("coupon_expired", "this coupon expired")
        case .issued: break
        }
        if coupon.validUntil <= at { throw CouponSQL.rejected("coupon_expired", "this coupon expired") }
        if coupon.validFrom > at { throw CouponSQL.rejected("coupon_not_yet_valid", "this coupon is not valid yet") }
        switch template.quote(cart) {
        case .success(let quote): return quote
        case .failure(let error):
            throw TesseraError.rejected(code: error.code, field: error.field, reason: error.message)
        }
    }

    private func statusUpdate(_ coupon: CouponRecord, clearRedemption: Bool) -> SQLStatement {
        SQLStatement(
            "UPDATE coupons SET status = ?, updated_at = ?"
                + (clearRedemption
                    ? ", redeemed_at = NULL, order_ref = NULL, discount_minor = NULL, redeem_key = NULL" : "")
                + " WHERE group_id = ? AND id = ?",
            [.text(coupon.status.rawValue), .int(Timestamp.micros(at)), .text(group.rawValue), .text(coupon.id)])
    }
}
