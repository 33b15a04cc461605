/// What earns, before multipliers and caps: rules per amount paid and per event. Growth value
/// (成长值) uses exactly this; points add campaigns, caps and a holding period (``EarnRules``).
///
/// `{"rounding": "down", "amount": [{"earn": 1, "perMinor": 100}], "events": [{"event": "review", "earn": 10}]}`
public struct RateRules: Sendable, Hashable, Codable {
    public var rounding: Rounding
    public var amount: [AmountRule]
    public var events: [EventRule]

    public init(rounding: Rounding = .down, amount: [AmountRule] = [], events: [EventRule] = []) {
        self.rounding = rounding
        self.amount = amount
        self.events = events
    }

    private enum CodingKeys: String, CodingKey { case rounding, amount, events }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rounding = try container.decodeIfPresent(Rounding.self, forKey: .rounding) ?? .down
        amount = try container.decodeIfPresent([AmountRule].self, forKey: .amount) ?? []
        events = try container.decodeIfPresent([EventRule].self, forKey: .events) ?? []
    }

    /// What the order lines earn, each line decided by the first amount rule matching it, scaled by
    /// the multiplier `multiplier` gives for that line in ten-thousandths (10,000 = ×1, so a tier's
    /// 150% and a campaign's 200% combine exactly to 30,000); rounded once per rule and multiplier,
    /// so `1 per ¥1` on two lines of ¥0.50 under one rule is 1, not 0.
    public func earning(
        _ lines: [EarningLine], channel: String, store: String?,
        multiplier: (EarningLine) -> Int64 = { _ in RateRules.unitMultiplier }
    ) -> Int64 {
        var groups: [GroupKey: Int64] = [:]
        for line in lines where line.amountMinor > 0 {
            guard let index = amount.firstIndex(where: { $0.matches(line, channel: channel, store: store) }) else {
                continue
            }
            groups[GroupKey(rule: index, percent: multiplier(line)), default: 0] += line.amountMinor
        }
        return groups.reduce(Int64(0)) { sum, group in
            let rule = amount[group.key.rule]
            let earned = rounding.scale(
                group.value, by: rule.earn * group.key.percent, over: rule.perMinor * Self.unitMultiplier)
            return sum.addingReportingOverflow(earned).overflow ? Int64.max : sum + earned
        }
    }

    /// A multiplier of ×1 in ten-thousandths.
    public static let unitMultiplier: Int64 = 10_000

    /// The event rule for `name`, if any.
    public func rule(forEvent name: String) -> EventRule? { events.first { $0.event == name } }

    private struct GroupKey: Hashable {
        var rule: Int
        var percent: Int64
    }

    func validate(path: String) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, rule) in amount.enumerated() { errors += rule.validate(path: path + ".amount[\(index)]") }
        var seen: Set<String> = []
        for (index, rule) in events.enumerated() {
            errors += rule.validate(path: path + ".events[\(index)]")
            if !seen.insert(rule.event).inserted {
                errors.append(
                    FieldError(path: path + ".events[\(index)].event", reason: "\(rule.event) has a rule already"))
            }
        }
        return errors
    }
}
