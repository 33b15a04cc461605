import Foundation

/// What a journey's grant node gives a member, through the loyalty services (SPEC §4, §7).
///
/// JSON (inside `{"grant": {…, "budget": 1000, "next": "…"}}`):
/// `{"coupon": "<template id>"}`, `{"points": 200}`, `{"growth": 50}`,
/// `{"benefit": {"kind": "points_multiplier", "name": "Double points", "percent": 200}, "days": 7}` (a points
/// multiplier or a discount benefit for `days` days).
public enum JourneyGrant: Sendable, Hashable {
    /// A coupon of a template (its stock and per-member limit apply).
    case coupon(template: String)
    /// Points credited under the programme's expiry policy.
    case points(Int64)
    /// Growth value towards the member's tier.
    case growth(Int64)
    /// A benefit granted for `days` days: a points multiplier or a discount rate.
    case benefit(Benefit, days: Int)

    /// `coupon`, `points`, `growth` or `benefit`.
    public var kind: String {
        switch self {
        case .coupon: "coupon"
        case .points: "points"
        case .growth: "growth"
        case .benefit: "benefit"
        }
    }
}

extension JourneyGrant {
    /// The stored form, the same keys as in a grant node.
    public var json: JSONValue {
        switch self {
        case .coupon(let template): .object(["coupon": .string(template)])
        case .points(let points): .object(["points": .number(Decimal(points))])
        case .growth(let growth): .object(["growth": .number(Decimal(growth))])
        case .benefit(let benefit, let days):
            .object([
                "benefit": .object(
                    [
                        "kind": .string(benefit.kind.rawValue), "name": .string(benefit.name),
                    ].merging(benefit.percent.map { ["percent": JSONValue.number(Decimal($0))] } ?? [:]) { a, _ in a }),
                "days": .number(Decimal(days)),
            ])
        }
    }

    /// Reads the stored form back (`nil` for anything else).
    public init?(json: JSONValue) {
        func integer(_ value: JSONValue?) -> Int64? {
            guard case .number(let number)? = value else { return nil }
            return Int64(exactly: NSDecimalNumber(decimal: number).int64Value)
        }
        if let template = json["coupon"]?.stringValue {
            self = .coupon(template: template)
        } else if let points = integer(json["points"]) {
            self = .points(points)
        } else if let growth = integer(json["growth"]) {
            self = .growth(growth)
        } else if let benefit = json["benefit"], let kind = Benefit.Kind(rawValue: benefit["kind"]?.stringValue ?? ""),
            let days = integer(json["days"])
        {
            self = .benefit(
                Benefit(kind: kind, name: benefit["name"]?.stringValue ?? "", percent: integer(benefit["percent"])),
                days: Int(days))
        } else {
            return nil
        }
    }
}
