public import Foundation

/// The instant and calendar a rule is evaluated at. The domain reads no clock: callers pass `now`.
public struct EvaluationContext: Sendable, Hashable {
    /// Microseconds since 1970, UTC — the unit of every stored time.
    public var now: Int64
    public var timeZone: TimeZone

    public init(now: Int64, timeZone: TimeZone) {
        self.now = now
        self.timeZone = timeZone
    }

    public init(now: Date, timeZone: TimeZone) {
        self.init(now: Int64((now.timeIntervalSince1970 * 1_000_000).rounded()), timeZone: timeZone)
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    var nowDate: Date { Date(timeIntervalSince1970: Double(now) / 1_000_000) }

    /// Local midnight `days` days before today, in microseconds.
    func startOfLocalDay(daysAgo days: Int) -> Int64 {
        let calendar = calendar
        let today = calendar.startOfDay(for: nowDate)
        let start = calendar.date(byAdding: .day, value: -days, to: today) ?? today
        return Int64((start.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The `MM-DD` of today and the next `days − 1` local days; a 29 February birthday counts
    /// on 28 February in years without one.
    public func birthdayKeys(days: Int) -> [String] {
        let calendar = calendar
        let today = calendar.startOfDay(for: nowDate)
        var keys: [String] = []
        for offset in 0..<max(days, 0) {
            guard let date = calendar.date(byAdding: .day, value: offset, to: today) else { continue }
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let (year, month, day) = (parts.year ?? 2000, parts.month ?? 1, parts.day ?? 1)
            keys.append(Self.monthDay(month, day))
            if month == 2 && day == 28 && !CivilDate.isLeap(year) { keys.append("02-29") }
        }
        return Array(Set(keys)).sorted()
    }

    private static func monthDay(_ month: Int, _ day: Int) -> String {
        (month < 10 ? "0\(month)" : "\(month)") + "-" + (day < 10 ? "0\(day)" : "\(day)")
    }
}
