public import Foundation

/// One brand's loyalty programme configuration, stored as a new version on every change.
///
/// JSON: `{"timeZone": "Asia/Shanghai", "pointsExpiry": {"type": "end_of_year", "count": 1}}`.
/// Calendars (end of month/year, birthdays) are evaluated in `timeZone`.
public struct LoyaltyProgram: Sendable, Hashable, Codable {
    /// An IANA time zone identifier.
    public var timeZone: String
    public var pointsExpiry: ExpiryPolicy

    public init(timeZone: String = "Asia/Shanghai", pointsExpiry: ExpiryPolicy = .never) {
        self.timeZone = timeZone
        self.pointsExpiry = pointsExpiry
    }

    /// The programme a brand has before anyone configures one: Shanghai time, points never expire.
    public static let standard = LoyaltyProgram()

    /// The time zone, or a field error naming `timeZone` when the identifier is unknown.
    public func zone() throws(FieldError) -> TimeZone {
        guard let zone = TimeZone(identifier: timeZone) else {
            throw FieldError(
                path: "$.timeZone", reason: "unknown time zone \(timeZone); use an IANA name such as Asia/Shanghai")
        }
        return zone
    }

    /// When points earned at `date` expire under this programme.
    public func pointsExpiry(earnedAt date: Date) throws(FieldError) -> Date? {
        pointsExpiry.expiry(earnedAt: date, timeZone: try zone())
    }
}
