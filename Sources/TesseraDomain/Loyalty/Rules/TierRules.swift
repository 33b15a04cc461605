/// The tier ladder and how tiers are kept: members move up the moment their period's growth value
/// crosses a threshold, and are reviewed when their period ends.
///
/// ```json
/// {"levels": [{"code": "member", "threshold": 0}, {"code": "gold", "threshold": 5000, "pointsMultiplierPercent": 150}],
///  "period": "calendar_year", "graceDays": 30, "downgrade": "one_level"}
/// ```
public struct TierRules: Sendable, Hashable, Codable {
    /// Ascending by threshold; the first one's threshold is 0 (everyone's starting tier).
    public var levels: [TierLevel]
    public var period: TierPeriod
    /// Days after a period's end during which a member who did not requalify keeps the tier; if
    /// the new period's growth reaches the tier's threshold within them, the tier is kept.
    public var graceDays: Int
    public var downgrade: Downgrade

    /// How far a member who did not requalify falls.
    public enum Downgrade: String, Sendable, Hashable, Codable {
        /// One rung down (never below the rung the period's growth qualifies for).
        case oneLevel = "one_level"
        /// Straight to the rung the period's growth qualifies for.
        case toQualified = "to_qualified"
    }

    public init(
        levels: [TierLevel], period: TierPeriod = .calendarYear, graceDays: Int = 0, downgrade: Downgrade = .oneLevel
    ) {
        self.levels = levels
        self.period = period
        self.graceDays = graceDays
        self.downgrade = downgrade
    }

    private enum CodingKeys: String, CodingKey { case levels, period, graceDays, downgrade }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            levels: try container.decode([TierLevel].self, forKey: .levels),
            period: try container.decodeIfPresent(TierPeriod.self, forKey: .period) ?? .calendarYear,
            graceDays: try container.decodeIfPresent(Int.self, forKey: .graceDays) ?? 0,
            downgrade: try container.decodeIfPresent(Downgrade.self, forKey: .downgrade) ?? .oneLevel)
    }

    /// The rung of `code`, or the lowest rung when the code is no longer on the ladder.
    public func rank(of code: String) -> Int { levels.firstIndex { $0.code == code } ?? 0 }

    /// The highest rung `growth` qualifies for.
    public func qualifiedRank(for growth: Int64) -> Int { levels.lastIndex { $0.threshold <= growth } ?? 0 }

    /// The points multiplier of the tier `code`, in percent.
    public func multiplierPercent(of code: String?) -> Int64 {
        guard let code, let level = levels.first(where: { $0.code == code }) else { return 100 }
        return level.pointsMultiplierPercent
    }

    func validate(path: String) -> [FieldError] {
        var errors: [FieldError] = []
        if levels.isEmpty { errors.append(FieldError(path: path + ".levels", reason: "needs at least one tier")) }
        if let first = levels.first, first.threshold != 0 {
            errors.append(FieldError(path: path + ".levels[0].threshold", reason: "the first tier starts at 0"))
        }
        var codes: Set<String> = []
        for (index, level) in levels.enumerated() {
            let at = path + ".levels[\(index)]"
            if level.code.trimmingWhitespace().isEmpty || level.code.count > 64 {
                errors.append(FieldError(path: at + ".code", reason: "must be 1 to 64 characters"))
            }
            if !codes.insert(level.code).inserted {
                errors.append(FieldError(path: at + ".code", reason: "\(level.code) is used twice"))
            }
            if index > 0, level.threshold <= levels[index - 1].threshold {
                errors.append(FieldError(path: at + ".threshold", reason: "must be higher than the tier below"))
            }
            for (number, benefit) in level.benefits.enumerated() {
                errors += benefit.validate(path: at + ".benefits[\(number)]")
            }
            if !(100...10_000).contains(level.pointsMultiplierPercent) {
                errors.append(FieldError(path: at + ".pointsMultiplierPercent", reason: "must be from 100 to 10000"))
            }
        }
        if !(0...180).contains(graceDays) {
            errors.append(FieldError(path: path + ".graceDays", reason: "must be from 0 to 180 days"))
        }
        return errors
    }
}
