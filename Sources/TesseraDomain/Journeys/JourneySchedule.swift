public import Foundation

/// When a recurring journey enters its segment's members: every day, week or month at a local time of
/// day in the brand's time zone. `{"every": "week", "weekday": 1, "time": "10:00"}` is Mondays at 10:00;
/// `{"every": "month", "day": 1, "time": "09:30"}` the first of every month (days 1–28, so every month
/// has one).
public struct JourneySchedule: Sendable, Hashable {
    public enum Every: Sendable, Hashable {
        case day
        /// ISO weekday: 1 Monday … 7 Sunday.
        case week(weekday: Int)
        case month(day: Int)
    }

    public var every: Every
    /// Local minutes after midnight.
    public var minute: Int

    public init(every: Every, minute: Int) {
        self.every = every
        self.minute = minute
    }

    /// The first occurrence strictly after `instant` (microseconds) in `timeZone`.
    public func next(after instant: Int64, in timeZone: TimeZone) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var components = DateComponents(hour: minute / 60, minute: minute % 60, second: 0)
        switch every {
        case .day: break
        // Foundation numbers weekdays from Sunday = 1.
        case .week(let weekday): components.weekday = weekday % 7 + 1
        case .month(let day): components.day = day
        }
        let start = Date(timeIntervalSince1970: Double(instant) / 1_000_000)
        let next =
            calendar.nextDate(after: start, matching: components, matchingPolicy: .nextTime, direction: .forward)
            ?? start.addingTimeInterval(86_400)
        return Int64((next.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// Reads `{"every": "day" | "week" | "month", "time": "HH:MM", "weekday": 1…7, "day": 1…28}` at `path`.
    static func parse(_ fields: SegmentRuleParser.Fields, path: String) throws(FieldError) -> JourneySchedule {
        let time = try fields.text("time", required: true) ?? ""
        let parts = time.split(separator: ":").compactMap { Int($0) }
        guard time.count == 5, parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
            throw FieldError(path: "\(path).time", reason: "expected a local time HH:MM")
        }
        let minute = parts[0] * 60 + parts[1]
        switch try fields.text("every", required: true) ?? "" {
        case "day":
            guard fields.object["weekday"] == nil, fields.object["day"] == nil else {
                throw FieldError(path: "\(path).every", reason: "a daily schedule takes no weekday or day")
            }
            return JourneySchedule(every: .day, minute: minute)
        case "week":
            let weekday = try fields.object["weekday"].map { json throws(FieldError) in
                try SegmentRuleParser.bounded(json, path: "\(path).weekday", 1...7)
            }
            guard let weekday else { throw FieldError(path: "\(path).weekday", reason: "required: 1 (Monday) to 7") }
            return JourneySchedule(every: .week(weekday: Int(weekday)), minute: minute)
        case "month":
            let day = try fields.object["day"].map { json throws(FieldError) in
                try SegmentRuleParser.bounded(json, path: "\(path).day", 1...28)
            }
            guard let day else { throw FieldError(path: "\(path).day", reason: "required: 1 to 28") }
            return JourneySchedule(every: .month(day: Int(day)), minute: minute)
        default:
            throw FieldError(path: "\(path).every", reason: "expected day, week or month")
        }
    }
}
