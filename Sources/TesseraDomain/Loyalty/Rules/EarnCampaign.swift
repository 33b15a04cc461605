public import Foundation

/// A time-boxed points multiplier ("double points on Singles' Day"), for orders paid and events
/// done in `[from, until)`, optionally only on some channels or categories.
///
/// `{"name": "Double 11", "from": "2026-11-11T00:00:00+08:00", "until": "2026-11-12T00:00:00+08:00",
/// "multiplierPercent": 200, "channels": ["tmall"]}`
public struct EarnCampaign: Sendable, Hashable, Codable {
    public var name: String
    public var from: Date
    public var until: Date
    /// 200 doubles the points; 100 changes nothing.
    public var multiplierPercent: Int64
    public var channels: [String]?
    public var categories: [String]?

    public init(
        name: String, from: Date, until: Date, multiplierPercent: Int64, channels: [String]? = nil,
        categories: [String]? = nil
    ) {
        self.name = name
        self.from = from
        self.until = until
        self.multiplierPercent = multiplierPercent
        self.channels = channels
        self.categories = categories
    }

    /// Whether the campaign covers something of `category` done through `channel` at `date`.
    public func covers(at date: Date, channel: String, category: String?) -> Bool {
        date >= from && date < until && AmountRule.allows(channels, channel)
            && AmountRule.allows(categories, category)
    }

    func validate(path: String) -> [FieldError] {
        var errors: [FieldError] = []
        if name.trimmingWhitespace().isEmpty { errors.append(FieldError(path: path + ".name", reason: "is required")) }
        if until <= from { errors.append(FieldError(path: path + ".until", reason: "must be after from")) }
        if !(100...10_000).contains(multiplierPercent) {
            errors.append(FieldError(path: path + ".multiplierPercent", reason: "must be from 100 to 10000"))
        }
        return errors
    }
}
