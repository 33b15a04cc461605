public import Foundation

/// One brand's loyalty programme configuration, stored as a new version on every change.
///
/// ```json
/// {"timeZone": "Asia/Shanghai", "pointsExpiry": {"type": "end_of_year", "count": 1},
///  "earn": {"amount": [{"earn": 1, "perMinor": 100}]}, "growth": {"amount": [{"earn": 1, "perMinor": 100}]},
///  "tiers": {"levels": [{"code": "member", "threshold": 0}, {"code": "gold", "threshold": 5000}]}}
/// ```
/// Calendars (end of month/year, local days for caps, tier periods, birthdays) are evaluated in `timeZone`.
public struct LoyaltyProgram: Sendable, Hashable, Codable {
    /// An IANA time zone identifier.
    public var timeZone: String
    public var pointsExpiry: ExpiryPolicy
    public var earn: EarnRules
    /// Growth value (成长值) rules; growth moves members up the tier ladder.
    public var growth: RateRules
    /// The tier ladder; `nil`: the brand has no tiers.
    public var tiers: TierRules?

    public init(
        timeZone: String = "Asia/Shanghai", pointsExpiry: ExpiryPolicy = .never, earn: EarnRules = .none,
        growth: RateRules = RateRules(), tiers: TierRules? = nil
    ) {
        self.timeZone = timeZone
        self.pointsExpiry = pointsExpiry
        self.earn = earn
        self.growth = growth
        self.tiers = tiers
    }

    /// The programme a brand has before anyone configures one: Shanghai time, points never expire,
    /// nothing earned automatically, no tiers.
    public static let standard = LoyaltyProgram()

    private enum CodingKeys: String, CodingKey { case timeZone, pointsExpiry, earn, growth, tiers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            timeZone: try container.decodeIfPresent(String.self, forKey: .timeZone) ?? Self.standard.timeZone,
            pointsExpiry: try container.decodeIfPresent(ExpiryPolicy.self, forKey: .pointsExpiry) ?? .never,
            earn: try container.decodeIfPresent(EarnRules.self, forKey: .earn) ?? .none,
            growth: try container.decodeIfPresent(RateRules.self, forKey: .growth) ?? RateRules(),
            tiers: try container.decodeIfPresent(TierRules.self, forKey: .tiers))
    }

    /// Everything wrong with the programme, each at its JSON path; empty when it can be stored.
    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        do { _ = try zone() } catch { errors.append(error) }
        errors += earn.validate(path: "$.earn")
        errors += growth.validate(path: "$.growth")
        if let tiers { errors += tiers.validate(path: "$.tiers") }
        return errors
    }

    /// Names of the events any rule earns points or growth for: the ingest path queues these.
    public var eventNames: Set<String> { Set(earn.events.map(\.event) + growth.events.map(\.event)) }

    /// The time zone, or a field error naming `timeZone` when the identifier is unknown.
    public func zone() throws(FieldError) -> TimeZone {
        guard let zone = TimeZone(identifier: timeZone) else {
            throw FieldError(
                path: "$.timeZone", reason: "unknown time zone \(timeZone); use an IANA name such as Asia/Shanghai")
        }
        return zone
    }

    /// A Gregorian calendar in the programme's time zone (UTC if the zone is unknown, which
    /// ``validate()`` refuses before a programme is stored).
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = (try? zone()) ?? TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }

    /// The local day of `date` as `YYYY-MM-DD`: the key of per-day caps and limits.
    public func localDay(of date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let (year, month, day) = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// When points earned at `date` expire under this programme.
    public func pointsExpiry(earnedAt date: Date) throws(FieldError) -> Date? {
        pointsExpiry.expiry(earnedAt: date, timeZone: try zone())
    }
}
