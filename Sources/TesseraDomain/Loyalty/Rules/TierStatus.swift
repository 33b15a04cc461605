public import Foundation

/// A member's place on the tier ladder: the tier, since when, and the growth value of the current
/// period (which ends at `periodEnd`). Pure: stores load it, apply growth or a review, and write
/// back the status and the changes returned.
public struct TierStatus: Sendable, Hashable {
    public var tier: String
    /// When the member reached `tier`.
    public var since: Date
    /// Growth value earned in the current period (refunds may take it below zero).
    public var periodGrowth: Int64
    public var periodEnd: Date
    /// When the member joined the programme: the anniversary periods count from here.
    public var anchor: Date
    /// Set when a period ended without requalifying and the rules give grace days: the member
    /// keeps the tier until then, and keeps it for good if the new period's growth reaches the
    /// tier's threshold before.
    public var graceUntil: Date?

    public init(
        tier: String, since: Date, periodGrowth: Int64, periodEnd: Date, anchor: Date, graceUntil: Date? = nil
    ) {
        self.tier = tier
        self.since = since
        self.periodGrowth = periodGrowth
        self.periodEnd = periodEnd
        self.anchor = anchor
        self.graceUntil = graceUntil
    }

    /// When this status next needs a review: the period's end or the end of the grace, if sooner.
    public var reviewAt: Date { min(periodEnd, graceUntil ?? periodEnd) }

    /// A member joining the ladder at `at` on its lowest rung; anniversary periods count from
    /// `anchor` (when they joined the programme).
    public static func joining(_ rules: TierRules, anchor: Date, at: Date, calendar: Calendar) -> (
        TierStatus, TierChange
    ) {
        let tier = rules.levels.first?.code ?? ""
        let status = TierStatus(
            tier: tier, since: at, periodGrowth: 0,
            periodEnd: rules.period.end(containing: at, anchor: anchor, in: calendar), anchor: anchor)
        return (status, TierChange(from: nil, to: tier, reason: "joined", at: at))
    }

    /// Adds `delta` growth earned at `at` (negative for a refund) and moves the member up at once
    /// when the period's growth reaches a higher rung; reaching the current rung's threshold during
    /// a grace ends the grace. Never moves down: that waits for the review. Reviews first if a
    /// period or grace already ended, so growth always lands in the right period.
    public mutating func add(_ delta: Int64, at: Date, rules: TierRules, calendar: Calendar) -> [TierChange] {
        var changes = review(at: at, rules: rules, calendar: calendar)
        let (sum, overflow) = periodGrowth.addingReportingOverflow(delta)
        periodGrowth = overflow ? (delta > 0 ? Int64.max : Int64.min) : sum
        let qualified = rules.qualifiedRank(for: periodGrowth)
        let current = rules.rank(of: tier)
        if qualified >= current { graceUntil = nil }
        if qualified > current {
            let next = rules.levels[qualified].code
            changes.append(TierChange(from: tier, to: next, reason: "upgrade", at: at))
            tier = next
            since = at
        }
        return changes
    }

    /// Moves the member up to `code` when it is on the ladder and ranks above their tier (a merge
    /// keeps the higher of two members' tiers); `nil` when nothing changes.
    public mutating func raise(to code: String, reason: String, at: Date, rules: TierRules) -> TierChange? {
        guard rules.levels.contains(where: { $0.code == code }), rules.rank(of: code) > rules.rank(of: tier) else {
            return nil
        }
        let change = TierChange(from: tier, to: code, reason: reason, at: at)
        tier = code
        since = at
        graceUntil = nil
        return change
    }

    /// Handles every period end and grace end up to `at`, in order. A member whose period's growth
    /// qualifies for their rung keeps it; otherwise they fall as the rules say — at once, or when
    /// the grace days after the period's end run out without requalifying. Each new period starts
    /// with zero growth. Idempotent.
    public mutating func review(at: Date, rules: TierRules, calendar: Calendar) -> [TierChange] {
        var changes: [TierChange] = []
        while reviewAt <= at {
            let current = rules.rank(of: tier)
            if let graceEnd = graceUntil, graceEnd <= periodEnd {
                graceUntil = nil
                if rules.qualifiedRank(for: periodGrowth) < current {
                    changes.append(fall(from: current, growth: periodGrowth, at: graceEnd, rules: rules))
                }
                continue
            }
            let end = periodEnd
            if rules.qualifiedRank(for: periodGrowth) < current {
                if rules.graceDays > 0, let graceEnd = calendar.date(byAdding: .day, value: rules.graceDays, to: end) {
                    graceUntil = graceEnd
                } else {
                    changes.append(fall(from: current, growth: periodGrowth, at: end, rules: rules))
                }
            }
            periodGrowth = 0
            periodEnd = rules.period.end(containing: end, anchor: anchor, in: calendar)
            if periodEnd <= end { break }  // a calendar that cannot advance: never loop forever
        }
        return changes
    }

    private mutating func fall(from current: Int, growth: Int64, at: Date, rules: TierRules) -> TierChange {
        let qualified = rules.qualifiedRank(for: growth)
        let target = rules.downgrade == .oneLevel ? max(qualified, current - 1) : qualified
        let change = TierChange(from: tier, to: rules.levels[target].code, reason: "downgrade", at: at)
        tier = change.to
        since = at
        return change
    }
}
