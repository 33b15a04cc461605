public import Foundation

/// When earned points expire, evaluated in the brand's time zone (months and years end at local
/// midnight, not UTC).
///
/// JSON: `{"type": "never"}`, `{"type": "days", "count": 365}`,
/// `{"type": "end_of_month", "count": 0}` (end of the month of earning; 1 = of the next month),
/// `{"type": "end_of_year", "count": 1}` ("end of the year after earning").
public enum ExpiryPolicy: Sendable, Hashable {
    case never
    /// `count` calendar days after earning, at the same local time.
    case days(Int)
    /// The end of the `count`-th month after the month of earning.
    case endOfMonth(Int)
    /// The end of the `count`-th year after the year of earning.
    case endOfYear(Int)

    /// The instant points earned at `earnedAt` expire (they are spendable strictly before it), or
    /// `nil` if they never do.
    /// ```swift
    /// // Earned 2026-03-15 in Asia/Shanghai, end_of_year 1 → 2028-01-01T00:00+08:00
    /// ```
    public func expiry(earnedAt: Date, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        switch self {
        case .never:
            return nil
        case .days(let count):
            return calendar.date(byAdding: .day, value: count, to: earnedAt)
        case .endOfMonth(let count):
            let parts = calendar.dateComponents([.year, .month], from: earnedAt)
            guard let monthStart = calendar.date(from: parts) else { return nil }
            return calendar.date(byAdding: .month, value: count + 1, to: monthStart)
        case .endOfYear(let count):
            let parts = calendar.dateComponents([.year], from: earnedAt)
            guard let yearStart = calendar.date(from: parts) else { return nil }
            return calendar.date(byAdding: .year, value: count + 1, to: yearStart)
        }
    }
}

extension ExpiryPolicy {
    /// The policy named `type` (`never`, `days`, `end_of_month`, `end_of_year`) with `count`, or a
    /// field error under `path` (the policy object's JSON path) — the one place these rules live,
    /// for API input and stored configuration alike.
    public static func named(_ type: String, count: Int64?, path: String) throws(FieldError) -> ExpiryPolicy {
        if type == "never" { return .never }
        guard ["days", "end_of_month", "end_of_year"].contains(type) else {
            throw FieldError(path: path + ".type", reason: "must be never, days, end_of_month or end_of_year")
        }
        guard let count, (0...36_500).contains(count) else {
            throw FieldError(path: path + ".count", reason: "is required, a whole number from 0 to 36500")
        }
        switch type {
        case "days":
            guard count >= 1 else { throw FieldError(path: path + ".count", reason: "must be at least 1 day") }
            return .days(Int(count))
        case "end_of_month": return .endOfMonth(Int(count))
        default: return .endOfYear(Int(count))
        }
    }
}

extension ExpiryPolicy: Codable {
    private enum CodingKeys: String, CodingKey { case type, count }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            self = try .named(
                try container.decode(String.self, forKey: .type),
                count: try container.decodeIfPresent(Int64.self, forKey: .count), path: "$")
        } catch let error as FieldError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .never: try container.encode("never", forKey: .type)
        case .days(let count):
            try container.encode("days", forKey: .type)
            try container.encode(count, forKey: .count)
        case .endOfMonth(let count):
            try container.encode("end_of_month", forKey: .type)
            try container.encode(count, forKey: .count)
        case .endOfYear(let count):
            try container.encode("end_of_year", forKey: .type)
            try container.encode(count, forKey: .count)
        }
    }
}
