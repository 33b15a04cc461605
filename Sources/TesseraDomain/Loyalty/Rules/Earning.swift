public import Foundation

/// What an order or an event earns under a programme: points (after tier and campaign multipliers and caps)
/// and growth value, both from the amount actually paid and not refunded. Evaluating the current
/// state of an order (not its changes) makes earning and claw-back one rule: the ledger moves by
/// the difference between what the order earns now and what it was credited.
public struct Earning: Sendable, Hashable {
    public var points: Int64
    public var growth: Int64

    public init(points: Int64, growth: Int64) {
        self.points = points
        self.growth = growth
    }

    /// The earning of an order in `status` with `paidMinor` paid and `refundedMinor` refunded,
    /// through `channel` at `store`, paid at `paidAt`.
    /// ```swift
    /// // 1 point per ¥1, gold ×1.5, ¥199.00 paid → 298 points
    /// ```
    public static func evaluate(
        _ program: LoyaltyProgram, status: OrderStatus, channel: String, store: String?, paidMinor: Int64,
        refundedMinor: Int64, items: [OrderItem], paidAt: Date, context: EarningContext
    ) -> Earning {
        guard status.countsAsPurchase || status == .refunded else { return Earning(points: 0, growth: 0) }
        let lines = EarningLine.allocate(max(0, paidMinor - refundedMinor), over: items)
        let tierPercent = Self.memberPercent(program, tier: context.tier, benefitPercent: context.benefitPercent)
        let earn = program.earn
        var points = earn.rates.earning(lines, channel: channel, store: store) { line in
            tierPercent * earn.campaignPercent(at: paidAt, channel: channel, category: line.category)
        }
        if let limit = context.limit { points = min(points, limit) }
        let growth = program.growth.earning(lines, channel: channel, store: store)
        return Earning(points: points, growth: growth)
    }

    /// What one event earns (points before the daily limits, and growth), or `nil` when no rule
    /// names it.
    public static func evaluate(
        _ program: LoyaltyProgram, event: String, channel: String, at date: Date, tier: String?,
        benefitPercent: Int64 = 100
    ) -> Earning? {
        let pointsRule = program.earn.rates.rule(forEvent: event)
        let growthRule = program.growth.rule(forEvent: event)
        guard pointsRule != nil || growthRule != nil else { return nil }
        let percent =
            memberPercent(program, tier: tier, benefitPercent: benefitPercent)
            * program.earn.campaignPercent(at: date, channel: channel, category: nil)
        let points = pointsRule.map {
            program.earn.rounding.scale($0.earn, by: percent, over: RateRules.unitMultiplier)
        }
        return Earning(points: points ?? 0, growth: growthRule?.earn ?? 0)
    }

    /// The member's own multiplier in percent: the tier's times the best points benefit's
    /// (rounded down; 150% gold with a 200% benefit is 300%).
    static func memberPercent(_ program: LoyaltyProgram, tier: String?, benefitPercent: Int64) -> Int64 {
        Rounding.down.scale(program.tiers?.multiplierPercent(of: tier) ?? 100, by: benefitPercent, over: 100)
    }
}
