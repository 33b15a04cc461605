public import Foundation

/// When an issued coupon can be used: a fixed window, or N days from issue (to the end of that
/// local day in the brand's time zone). JSON: `{"from": "…", "until": "…"}` or `{"days": 30}`.
public enum CouponValidity: Sendable, Hashable {
    case window(from: Date, until: Date)
    case daysFromIssue(Int)

    /// The window `[from, until)` of a coupon issued at `issuedAt`.
    public func window(issuedAt: Date, calendar: Calendar) -> (from: Date, until: Date) {
        switch self {
        case .window(let from, let until): return (from, until)
        case .daysFromIssue(let days):
            let day = calendar.startOfDay(for: issuedAt)
            return (issuedAt, calendar.date(byAdding: .day, value: days + 1, to: day) ?? issuedAt)
        }
    }

    func validate(path: String) -> [FieldError] {
        switch self {
        case .window(let from, let until) where until <= from:
            [FieldError(path: path + ".until", reason: "must be after from")]
        case .daysFromIssue(let days) where !(0...3_660).contains(days):
            [FieldError(path: path + ".days", reason: "must be from 0 to 3660")]
        default: []
        }
    }
}

extension CouponValidity: Codable {
    private enum CodingKeys: String, CodingKey { case from, until, days }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let days = try container.decodeIfPresent(Int.self, forKey: .days) {
            self = .daysFromIssue(days)
        } else {
            self = .window(
                from: try container.decode(Date.self, forKey: .from),
                until: try container.decode(Date.self, forKey: .until))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .window(let from, let until):
            try container.encode(from, forKey: .from)
            try container.encode(until, forKey: .until)
        case .daysFromIssue(let days): try container.encode(days, forKey: .days)
        }
    }
}
