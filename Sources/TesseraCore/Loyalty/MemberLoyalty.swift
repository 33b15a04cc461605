public import TesseraDomain

/// Everything loyalty about a member in one brand, for the member 360 view and the till:
/// tier and growth, points (balance, lots, expiring, pending), the recent tier history, usable coupons, stored value and benefits.
public struct MemberLoyalty: Sendable, Hashable, Encodable {
    public var brand: BrandID
    public var standing: LoyaltyStanding
    public var points: PointsSummary
    /// Newest first, at most 20.
    public var tierHistory: [TierChange]
    /// Coupons the member can use now, newest first.
    public var coupons: [CouponRecord]
    public var storedValue: StoredValueAccount
    /// Benefits in force: the tier's and granted ones, with uses left.
    public var benefits: [MemberBenefit]

    public init(
        brand: BrandID, standing: LoyaltyStanding, points: PointsSummary, tierHistory: [TierChange],
        coupons: [CouponRecord], storedValue: StoredValueAccount, benefits: [MemberBenefit]
    ) {
        self.brand = brand
        self.standing = standing
        self.points = points
        self.tierHistory = tierHistory
        self.coupons = coupons
        self.storedValue = storedValue
        self.benefits = benefits
    }
}
