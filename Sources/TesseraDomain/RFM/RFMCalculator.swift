public import Foundation

/// Computes RFM summaries and scores from valid purchases (pure: the caller passes the time zone and
/// the last day of the observation).
///
/// ```swift
/// let calculator = RFMCalculator(timeZone: shanghai, endDay: CivilDate.day(of: "1998-06-30") ?? 0)
/// let summary = calculator.summary(member: "m1", purchases: [(at: micros, amountMinor: 2_990)])
/// ```
public struct RFMCalculator: Sendable {
    public let timeZone: TimeZone
    /// The last local day observed, as days since 1970-01-01; later purchases are ignored.
    public let endDay: Int64
    /// The first local day observed (`nil`: from the first purchase).
    public let startDay: Int64?

    public init(timeZone: TimeZone, endDay: Int64, startDay: Int64? = nil) {
        self.timeZone = timeZone
        self.endDay = endDay
        self.startDay = startDay
    }

    /// The local day of an instant (microseconds since 1970), as days since 1970-01-01.
    public func localDay(of micros: Int64) -> Int64 {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
        let local = seconds + offset
        return local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    }

    /// One member's summary, or `nil` when nothing was bought inside the observation.
    public func summary(member: String, purchases: [(at: Int64, amountMinor: Int64)]) -> RFMSummary? {
        var days: [Int64: Int64] = [:]
        for purchase in purchases {
            let day = localDay(of: purchase.at)
            guard day <= endDay, startDay.map({ day >= $0 }) ?? true else { continue }
            days[day, default: 0] += purchase.amountMinor
        }
        guard let first = days.keys.min(), let last = days.keys.max() else { return nil }
        let total = days.values.reduce(0, +)
        return RFMSummary(
            member: member, frequency: Int64(days.count - 1), recency: last - first, age: endDay - first,
            repeatSumMinor: total - (days[first] ?? 0), totalMinor: total)
    }

    /// Quintile scores over all `summaries` (ties share a score) and each member's group. R ranks
    /// fewer days since the last purchase higher, F more purchase days, M more spent in total.
    public static func score(_ summaries: [RFMSummary]) -> [RFMScore] {
        let r = quintiles(summaries.map { -$0.daysSinceLastPurchase })
        let f = quintiles(summaries.map(\.frequency))
        let m = quintiles(summaries.map(\.totalMinor))
        return summaries.indices.map { index in
            RFMScore(
                summary: summaries[index], r: r[index], f: f[index], m: m[index],
                group: RFMGroup.of(r: r[index], f: f[index]))
        }
    }

    /// 1–5 by rank: the lowest fifth 1, the highest 5; equal values get the score of their first rank.
    static func quintiles(_ values: [Int64]) -> [Int] {
        guard !values.isEmpty else { return [] }
        let order = values.indices.sorted { values[$0] < values[$1] }
        var scores = Array(repeating: 1, count: values.count)
        var firstRank = 0
        for (rank, index) in order.enumerated() {
            if rank > 0 && values[index] != values[order[rank - 1]] { firstRank = rank }
            scores[index] = 1 + firstRank * 5 / values.count
        }
        return scores
    }
}
