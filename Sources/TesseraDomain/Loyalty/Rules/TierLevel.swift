/// One rung of the tier ladder: reached when the growth value earned in the current period is at
/// least `threshold`. `{"code": "gold", "name": "Gold", "threshold": 5000, "pointsMultiplierPercent": 150}`
public struct TierLevel: Sendable, Hashable, Codable {
    /// Stable identifier used in rules, segments and history.
    public var code: String
    public var name: String
    public var threshold: Int64
    /// Points multiplier for members of this tier, in percent (100 = ×1).
    public var pointsMultiplierPercent: Int64
    /// What members of this tier enjoy (their uses renew each tier period).
    public var benefits: [Benefit]

    public init(
        code: String, name: String? = nil, threshold: Int64, pointsMultiplierPercent: Int64 = 100,
        benefits: [Benefit] = []
    ) {
        self.code = code
        self.name = name ?? code
        self.threshold = threshold
        self.pointsMultiplierPercent = pointsMultiplierPercent
        self.benefits = benefits
    }

    private enum CodingKeys: String, CodingKey { case code, name, threshold, pointsMultiplierPercent, benefits }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            code: try container.decode(String.self, forKey: .code),
            name: try container.decodeIfPresent(String.self, forKey: .name),
            threshold: try container.decode(Int64.self, forKey: .threshold),
            pointsMultiplierPercent: try container.decodeIfPresent(Int64.self, forKey: .pointsMultiplierPercent) ?? 100,
            benefits: try container.decodeIfPresent([Benefit].self, forKey: .benefits) ?? [])
    }
}
