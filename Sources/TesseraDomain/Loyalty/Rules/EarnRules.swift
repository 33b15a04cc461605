public import Foundation

/// How members earn points: ``RateRules`` plus time-boxed campaign multipliers, caps per order and
/// per local day, and an optional holding period. Tier multipliers come from the tier ladder.
///
/// ```json
/// {"rounding": "down", "amount": [{"earn": 1, "perMinor": 100}], "events": [{"event": "check_in", "earn": 5, "perDay": 1}],
///  "campaigns": [], "perOrderCap": 5000, "perDayCap": 20000, "holdingDays": 7}
/// ```

public struct EarnRules: Sendable, Hashable, Codable {
    public var rounding: Rounding
    public var amount: [AmountRule]
    public var events: [EventRule]
    public var campaigns: [EarnCampaign]
    /// Most points one order can earn.
    public var perOrderCap: Int64?
    /// Most points a member can earn automatically (orders and events) per local day.
    public var perDayCap: Int64?
    /// Days after payment before an order's points become spendable (returns within the window
    /// cost nothing); until then they show as pending.
    public var holdingDays: Int

    public init(
        rounding: Rounding = .down, amount: [AmountRule] = [], events: [EventRule] = [],
        campaigns: [EarnCampaign] = [], perOrderCap: Int64? = nil, perDayCap: Int64? = nil, holdingDays: Int = 0
    ) {
        self.rounding = rounding
        self.amount = amount
        self.events = events
        self.campaigns = campaigns
        self.perOrderCap = perOrderCap
        self.perDayCap = perDayCap
        self.holdingDays = holdingDays
    }

    /// No automatic earning at all.
    public static let none = EarnRules()

    /// The rules before multipliers and caps.
    public var rates: RateRules { RateRules(rounding: rounding, amount: amount, events: events) }

    private enum CodingKeys: String, CodingKey {
        case rounding, amount, events, campaigns, perOrderCap, perDayCap, holdingDays
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rates = try RateRules(from: decoder)
        self.init(
            rounding: rates.rounding, amount: rates.amount, events: rates.events,
            campaigns: try container.decodeIfPresent([EarnCampaign].self, forKey: .campaigns) ?? [],
            perOrderCap: try container.decodeIfPresent(Int64.self, forKey: .perOrderCap),
            perDayCap: try container.decodeIfPresent(Int64.self, forKey: .perDayCap),
            holdingDays: try container.decodeIfPresent(Int.self, forKey: .holdingDays) ?? 0)
    }

    /// The campaign multiplier in percent for something of `category` done through `channel` at
    /// `date`: the largest covering campaign's (campaigns do not stack), 100 when none covers it.
    public func campaignPercent(at date: Date, channel: String, category: String?) -> Int64 {
        campaigns.filter { $0.covers(at: date, channel: channel, category: category) }.map(\.multiplierPercent).max()
            ?? 100
    }

    func validate(path: String) -> [FieldError] {
        var errors = rates.validate(path: path)
        for (index, campaign) in campaigns.enumerated() {
            errors += campaign.validate(path: path + ".campaigns[\(index)]")
        }
        for (name, cap) in [("perOrderCap", perOrderCap), ("perDayCap", perDayCap)] {
            if let cap, !(1...PointsOperation.maximumPoints).contains(cap) {
                errors.append(FieldError(path: path + "." + name, reason: "must be a positive whole number when given"))
            }
        }
        if !(0...365).contains(holdingDays) {
            errors.append(FieldError(path: path + ".holdingDays", reason: "must be from 0 to 365 days"))
        }
        return errors
    }
}
