import Foundation
import TesseraDomain

/// One action on one coupon as the store received it, and what it does to the coupon's locked
/// row, decided without I/O (``CouponChangeProgram`` reads and writes).
struct CouponChange: Sendable {
    let action: CouponAction
    /// The code as stored (canonical).
    let code: String
    let group: GroupID
    let brand: BrandID
    let at: Date
    /// The change's id: its event's id and idempotency key derive from it.
    let id: String

    /// The columns ``State/init(_:)`` reads, from `coupons c` joined with `coupon_templates t`.
    static let rowColumns = "\(CouponSQL.columns), CAST(t.config AS TEXT), c.group_id"

    /// A coupon as locked: its record, its template and the key it was redeemed under.
    struct State: Sendable {
        var group: String
        var coupon: CouponRecord
        var template: CouponTemplate
        var redeemKey: String?

        /// The state of a row of ``rowColumns``; `nil` without a row.
        init?(_ row: SQLRow?) throws {
            guard let row, let config = row.text(13) else { return nil }
            (group, coupon, redeemKey) = (row.text(14) ?? "", CouponSQL.record(row), row.text(12))
            template = try ConfigCoding.decode(CouponTemplate.self, from: config)
        }
    }

    /// The coupon after the action, the answer, and the event to write (`nil`: nothing changes).
    struct Decision: Sendable {
        var state: State
        var outcome: CouponOutcome
        var event: DomainEvent?
    }

    /// What the action does to the coupon in `state` (`nil`: no coupon has the code), or the refusal.
    func decide(_ state: State?) throws -> Decision {
        // Another brand's coupon is not found, rather than revealing that the code exists.
        guard var state, state.coupon.brand == brand else {
            throw CouponSQL.rejected("coupon_not_found", "no coupon with this code in this brand")
        }
        switch action {
        case .quote(let cart, let member):
            let quote = try usable(state, cart: cart, member: member)
            return Decision(state: state, outcome: CouponOutcome(coupon: state.coupon, quote: quote))
        case .redeem(let cart, let member, let orderID, let key):
            if state.coupon.status == .redeemed, state.redeemKey == key {
                let quote = CouponQuote(discountMinor: state.coupon.discountMinor ?? 0)
                return Decision(
                    state: state, outcome: CouponOutcome(coupon: state.coupon, quote: quote, replayed: true))
            }
            let quote = try usable(state, cart: cart, member: member)
            (state.coupon.status, state.coupon.redeemedAt, state.coupon.orderID, state.coupon.discountMinor) = (
                .redeemed, at, orderID, quote.discountMinor
            )
            state.redeemKey = key
            return changed(
                state, "coupon.redeemed",
                ["orderId": .string(orderID), "discountMinor": .number(Decimal(quote.discountMinor))], quote: quote)
        case .void(let reason):
            if state.coupon.status == .voided {
                return Decision(state: state, outcome: CouponOutcome(coupon: state.coupon, quote: nil, replayed: true))
            }
            guard state.coupon.status == .issued else {
                throw CouponSQL.rejected(
                    "coupon_used", "only an unused coupon can be voided; this one is \(state.coupon.status.rawValue)")
            }
            state.coupon.status = .voided
            return changed(state, "coupon.voided", ["reason": .string(reason)])
        case .restore(let reason):
            guard state.coupon.status == .redeemed else {
                throw CouponSQL.rejected("coupon_not_redeemed", "only a redeemed coupon can be restored")
            }
            state.coupon.status = state.coupon.validUntil > at ? .issued : .expired
            (state.coupon.redeemedAt, state.coupon.orderID, state.coupon.discountMinor) = (nil, nil, nil)
            state.redeemKey = nil
            return changed(
                state, "coupon.restored", ["reason": .string(reason), "status": .string(state.coupon.status.rawValue)])
        }
    }

    private func changed(
        _ state: State, _ name: String, _ extra: [String: JSONValue], quote: CouponQuote? = nil
    ) -> Decision {
        Decision(
            state: state, outcome: CouponOutcome(coupon: state.coupon, quote: quote),
            event: CouponSQL.domainEvent(name, state.coupon, id: id, extra: extra, at: at))
    }

    /// The quote when the coupon can be used now by `member` on `cart`, else the reason it cannot.
    private func usable(_ state: State, cart: CouponCart, member: MemberID?) throws -> CouponQuote {
        let coupon = state.coupon
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
        switch state.template.quote(cart) {
        case .success(let quote): return quote
        case .failure(let error):
            throw TesseraError.rejected(code: error.code, field: error.field, reason: error.message)
        }
    }

    /// Writes each coupon's status and redemption as decided, changed at `at`, in one statement. The
    /// rows are locked by the caller's transaction, so no status guard is needed.
    static func update(_ states: [(state: State, at: Date)], dialect: SQLDialect) -> SQLStatement {
        let columns = [
            ("group_id", "TEXT"), ("id", "TEXT"), ("status", "TEXT"), ("redeemed_at", "BIGINT"), ("order_ref", "TEXT"),
            ("discount_minor", "BIGINT"), ("redeem_key", "TEXT"), ("at", "BIGINT"),
        ]
        let table = SQLBuilder.derivedTable(
            columns: columns,
            rows: states.map { state, at in
                let coupon = state.coupon
                return [
                    .text(state.group), .text(coupon.id), .text(coupon.status.rawValue),
                    .optional(coupon.redeemedAt.map(Timestamp.micros)), .optional(coupon.orderID),
                    .optional(coupon.discountMinor), .optional(state.redeemKey),
                    .int(Timestamp.micros(at)),
                ]
            }, dialect: dialect, padded: true)
        return SQLStatement(
            """
            UPDATE coupons SET status = u.status, redeemed_at = u.redeemed_at, order_ref = u.order_ref, \
            discount_minor = u.discount_minor, redeem_key = u.redeem_key, updated_at = u.at \
            FROM (\(table.sql)) AS \(SQLBuilder.derivedAlias(columns, dialect: dialect)) \
            WHERE coupons.group_id = u.group_id AND coupons.id = u.id
            """, table.arguments)
    }
}
