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
        guard let grant = try? Self.parse(json, path: "$") else { return nil }
        self = grant
    }

    /// Reads a grant strictly — exactly one of `coupon`, `points`, `growth` or `benefit` (with
    /// `days`) — the faults at their paths under `path`.
    static func parse(_ json: JSONValue, path here: String) throws(FieldError) -> JourneyGrant {
        let fields = try SegmentRuleParser.Fields(
            json, path: here, allowed: ["coupon", "points", "growth", "benefit", "days"])
        let kinds = ["coupon", "points", "growth", "benefit"].filter { fields.object[$0] != nil }
        guard kinds.count == 1 else {
            throw FieldError(path: here, reason: "name exactly one of coupon, points, growth or benefit")
        }
        if kinds[0] != "benefit", fields.object["days"] != nil {
            throw FieldError(path: "\(here).days", reason: "days go with a benefit only")
        }
        switch kinds[0] {
        case "coupon": return .coupon(template: try fields.text("coupon", required: true) ?? "")
        case "points":
            return .points(
                try SegmentRuleParser.bounded(try fields.required("points"), path: "\(here).points", 1...1_000_000))
        case "growth":
            return .growth(
                try SegmentRuleParser.bounded(try fields.required("growth"), path: "\(here).growth", 1...1_000_000))
        default:
            let given = try SegmentRuleParser.Fields(
                try fields.required("benefit"), path: "\(here).benefit", allowed: ["kind", "name", "percent"])
            guard let kind = Benefit.Kind(rawValue: given.object["kind"]?.stringValue ?? ""),
                kind == .pointsMultiplier || kind == .discountRate
            else {
                throw FieldError(
                    path: "\(here).benefit.kind", reason: "a journey grants points_multiplier or discount_rate")
            }
            let benefit = Benefit(
                kind: kind, name: given.object["name"]?.stringValue ?? "",
                percent: try given.object["percent"].map { json throws(FieldError) in
                    try SegmentRuleParser.bounded(json, path: "\(here).benefit.percent", 1...10_000)
                })
            if let fault = benefit.validate(path: "\(here).benefit").first { throw fault }
            return .benefit(
                benefit,
                days: Int(try SegmentRuleParser.bounded(try fields.required("days"), path: "\(here).days", 1...366)))
        }
    }
}
