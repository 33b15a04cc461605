public import Foundation

/// The period over which growth value counts towards keeping a tier: each member's tier is
/// reviewed when their period ends, then growth starts again from zero.
public enum TierPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    /// 1 January to 1 January in the brand's time zone.
    case calendarYear = "calendar_year"
    /// From one anniversary of joining the programme to the next.
    case anniversary

    /// The end of the period containing `date`, for a member who joined at `anchor`.
    /// ```swift
    /// TierPeriod.calendarYear.end(containing: 2026-05-01, anchor: _, in: Shanghai)  // 2027-01-01T00:00+08:00
    /// ```
    public func end(containing date: Date, anchor: Date, in calendar: Calendar) -> Date {
        switch self {
        case .calendarYear:
            let year = calendar.dateComponents([.year], from: date)
            let start = calendar.date(from: year) ?? date
            return calendar.date(byAdding: .year, value: 1, to: start) ?? date
        case .anniversary:
            // Counting whole years from the anchor (not adding one year at a time) keeps a
            // 29 February anchor on 28 February in common years and 29 February in leap years.
            var years = max(1, calendar.dateComponents([.year], from: anchor, to: date).year ?? 1)
            while let end = calendar.date(byAdding: .year, value: years, to: anchor), end <= date { years += 1 }
            return calendar.date(byAdding: .year, value: years, to: anchor) ?? date
        }
    }
}
