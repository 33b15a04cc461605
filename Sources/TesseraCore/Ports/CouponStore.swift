public import Foundation
public import TesseraDomain

/// Coupon templates and coupons (SPEC §4). Refusals throw `rejected` with a reason code and write
/// nothing: `template_not_found`, `template_disabled`, `out_of_stock`, `member_limit_reached`,
/// `coupon_not_found`, `coupon_foreign`, `coupon_used`, `coupon_voided`, `coupon_expired`,
/// `coupon_not_yet_valid`, `coupon_not_applicable`, `minimum_spend_not_met`, `coupon_not_redeemed`.
public protocol CouponStore: Sendable {
    /// Stores a new template (validated by the caller) and returns its id.
    func createCouponTemplate(_ template: CouponTemplate, group: GroupID, brand: BrandID, at: Date) async throws
        -> String
    func couponTemplates(group: GroupID, brand: BrandID) async throws -> [CouponTemplateRecord]
    /// Enables or disables issuing of a template (issued coupons stay usable).
    func setCouponTemplate(active: Bool, id: String, group: GroupID, brand: BrandID, at: Date) async throws
    /// Issues one coupon of `template` to `member` with the new `code`, within the stock and the
    /// per-member limit; a retry with the same `idempotencyKey` returns the coupon issued first.
    func issueCoupon(
        template: String, group: GroupID, brand: BrandID, member: MemberID, code: String, idempotencyKey: String,
        at: Date
    ) async throws -> (coupon: CouponRecord, replayed: Bool)
    /// The brand's coupon with this canonical code.
    func coupon(code: String, group: GroupID, brand: BrandID) async throws -> CouponRecord?
    /// The member's coupons in the brand, newest first.
    func memberCoupons(group: GroupID, brand: BrandID, member: MemberID) async throws -> [CouponRecord]
    /// Applies `action` to the coupon `code` (canonical) of the brand, atomically: at most one
    /// redemption of a code ever succeeds.
    func changeCoupon(_ action: CouponAction, code: String, group: GroupID, brand: BrandID, at: Date) async throws
        -> CouponOutcome
    /// Marks every coupon whose validity ended by `date` expired (emitting `coupon.expired`);
    /// returns how many.
    func expireCoupons(at date: Date) async throws -> Int
}

/// What is done to one coupon.
public enum CouponAction: Sendable, Hashable {
    /// Prices `cart` without using the coupon; `member` (when given) must own it.
    case quote(CouponCart, member: MemberID?)
    /// Uses the coupon on order `orderID` (核销) exactly once; `key` makes a retry answer the same.
    case redeem(CouponCart, member: MemberID?, orderID: String, key: String)
    /// Cancels an unused coupon.
    case void(reason: String)
    /// Gives a redeemed coupon back (its order was returned): usable again, or expired if its
    /// window has passed.
    case restore(reason: String)
}

extension CouponAction {
    /// Whether the action changes the coupon (everything but a quote).
    public var writes: Bool {
        if case .quote = self { return false }
        return true
    }
}
