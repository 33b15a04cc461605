public import Foundation

/// A member's tier, growth value and pending points in one brand.
public struct LoyaltyStanding: Sendable, Hashable, Codable {
    /// `nil` when the brand has no tiers or the member has not joined the ladder yet.
    public var tier: String?
    public var tierName: String?
    public var tierSince: Date?
    /// Growth value of the current tier period, which ends at `periodEnd`.
    public var periodGrowth: Int64
    public var periodEnd: Date?
    /// Set while the member keeps a tier they did not requalify for, until this instant.
    public var graceUntil: Date?
    /// Lifetime growth value.
    public var growth: Int64
    /// Points earned on orders still in their holding period.
    public var pendingPoints: Int64
    /// The next rung up and the period growth still missing to reach it.
    public var nextTier: String?
    public var growthToNextTier: Int64?

    public init(
        tier: String? = nil, tierSince: Date? = nil, periodGrowth: Int64 = 0, periodEnd: Date? = nil, growth: Int64 = 0,
        pendingPoints: Int64 = 0
    ) {
        self.tier = tier
        self.tierSince = tierSince
        self.periodGrowth = periodGrowth
        self.periodEnd = periodEnd
        self.growth = growth
        self.pendingPoints = pendingPoints
    }
}
