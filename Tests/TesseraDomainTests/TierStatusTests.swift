import Foundation
import Testing
import TesseraDomain

@Suite("Tiers")
struct TierStatusTests {
    static let rules = TierRules(
        levels: [
            TierLevel(code: "member", threshold: 0), TierLevel(code: "silver", threshold: 300),
            TierLevel(code: "gold", threshold: 1_000),
        ], period: .calendarYear, graceDays: 30, downgrade: .oneLevel)

    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
        return calendar
    }

    static func date(_ text: String) -> Date { EarningRulesTests.date(text) }

    @Test func upgradesAtOnceAndNeverDowngradesMidPeriod() {
        let at = Self.date("2026-03-01T10:00:00+08:00")
        var (status, joined) = TierStatus.joining(Self.rules, anchor: at, at: at, calendar: Self.calendar)
        #expect(joined.to == "member" && status.periodEnd == Self.date("2027-01-01T00:00:00+08:00"))
        #expect(status.add(1_200, at: at, rules: Self.rules, calendar: Self.calendar).map(\.to) == ["gold"])
        #expect(status.add(-1_000, at: at, rules: Self.rules, calendar: Self.calendar).isEmpty)
        #expect(status.tier == "gold" && status.periodGrowth == 200)
    }

    @Test func reviewDowngradesOneLevelPerPeriodUnlessWithinGrace() {
        let march = Self.date("2026-03-01T10:00:00+08:00")
        var early = TierStatus.joining(Self.rules, anchor: march, at: march, calendar: Self.calendar).0
        _ = early.add(1_000, at: march, rules: Self.rules, calendar: Self.calendar)
        // 2026's growth keeps gold for 2027. Nothing earned after: 2027 ends without requalifying,
        // the 30 grace days pass, gold → silver on 31 January 2028; likewise silver → member in 2029.
        let changes = early.review(at: Self.date("2029-06-01T00:00:00Z"), rules: Self.rules, calendar: Self.calendar)
        #expect(changes.map(\.to) == ["silver", "member"])
        #expect(changes.map(\.at) == [Self.date("2028-01-31T00:00:00+08:00"), Self.date("2029-01-31T00:00:00+08:00")])
        #expect(early.periodEnd == Self.date("2030-01-01T00:00:00+08:00") && early.graceUntil == nil)
        // Idempotent.
        #expect(early.review(at: Self.date("2029-06-01T00:00:00Z"), rules: Self.rules, calendar: Self.calendar).isEmpty)

        // Requalifying within the grace keeps the tier for good.
        var graced = TierStatus.joining(Self.rules, anchor: march, at: march, calendar: Self.calendar).0
        _ = graced.add(1_000, at: march, rules: Self.rules, calendar: Self.calendar)
        #expect(
            graced.review(at: Self.date("2028-01-10T00:00:00Z"), rules: Self.rules, calendar: Self.calendar).isEmpty)
        #expect(graced.graceUntil == Self.date("2028-01-31T00:00:00+08:00"))
        #expect(
            graced.add(1_000, at: Self.date("2028-01-20T00:00:00Z"), rules: Self.rules, calendar: Self.calendar).isEmpty
        )
        #expect(graced.graceUntil == nil && graced.tier == "gold")
        #expect(
            graced.review(at: Self.date("2028-12-01T00:00:00Z"), rules: Self.rules, calendar: Self.calendar).isEmpty)

        // Without grace and with to_qualified, the fall is at the period's end and to the rung earned.
        var strict = Self.rules
        (strict.graceDays, strict.downgrade) = (0, .toQualified)
        var fast = TierStatus.joining(strict, anchor: march, at: march, calendar: Self.calendar).0
        _ = fast.add(1_000, at: march, rules: strict, calendar: Self.calendar)
        _ = fast.add(-800, at: march, rules: strict, calendar: Self.calendar)  // refunded: 200 left in 2026
        #expect(
            fast.review(at: Self.date("2027-01-02T00:00:00Z"), rules: strict, calendar: Self.calendar).map(\.to)
                == ["member"])
    }

    @Test func anniversaryPeriodsFollowTheJoiningDay() {
        let anchor = Self.date("2024-02-29T12:00:00+08:00")
        let end = TierPeriod.anniversary.end(
            containing: Self.date("2025-03-10T00:00:00+08:00"), anchor: anchor, in: Self.calendar)
        #expect(end == Self.date("2026-02-28T12:00:00+08:00"))
        let leap = TierPeriod.anniversary.end(
            containing: Self.date("2027-03-10T00:00:00+08:00"), anchor: anchor, in: Self.calendar)
        #expect(leap == Self.date("2028-02-29T12:00:00+08:00"))
    }
}
