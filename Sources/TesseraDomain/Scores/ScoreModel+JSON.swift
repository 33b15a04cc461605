import Foundation

extension ScoreModel {
    /// Most rules one score has.
    public static let maximumRules = 50

    /// Reads a score definition strictly (errors name the JSON path under `$`):
    /// `{"description": "…", "rules": [rule, …], "minimum": 0, "maximum": 100}`, each rule
    /// `{"event": {"name": …, "where": {…}, "channel": …}, "points": 5, "cap": 50,
    /// "window": {"lastDays": 90}, "decay": {"everyDays": 30, "percent": 50}}`.
    public static func parse(_ json: JSONValue, name: String) throws(FieldError) -> ScoreModel {
        typealias Fields = SegmentRuleParser.Fields
        let fields = try Fields(json, path: "$", allowed: ["description", "rules", "minimum", "maximum"])
        guard case .array(let items) = try fields.required("rules"), (1...maximumRules).contains(items.count) else {
            throw FieldError(path: "$.rules", reason: "expected an array of 1 to \(maximumRules) rules")
        }
        var rules: [ScoreRule] = []
        for (index, item) in items.enumerated() {
            let path = "$.rules[\(index)]"
            let rule = try Fields(item, path: path, allowed: ["event", "points", "cap", "window", "decay"])
            let event = try SegmentRuleParser.matcher(
                try Fields(rule.required("event"), path: "\(path).event", allowed: ["name", "where", "channel"]))
            let points = try SegmentRuleParser.bounded(
                try rule.required("points"), path: "\(path).points", -1_000_000...1_000_000)
            guard points != 0 else { throw FieldError(path: "\(path).points", reason: "must not be 0") }
            let cap = try rule.object["cap"].map { json throws(FieldError) in
                try SegmentRuleParser.bounded(json, path: "\(path).cap", 1...1_000_000_000)
            }
            var decay: ScoreRule.Decay?
            if let json = rule.object["decay"] {
                let fields = try Fields(json, path: "\(path).decay", allowed: ["everyDays", "percent"])
                decay = ScoreRule.Decay(
                    everyDays: try fields.days("everyDays", required: true) ?? 1,
                    percent: Int(
                        try SegmentRuleParser.bounded(
                            try fields.required("percent"), path: "\(path).decay.percent", 1...100)))
            }
            rules.append(
                ScoreRule(
                    event: event, points: points, cap: cap, window: try rule.window(required: false), decay: decay))
        }
        let limit: Int64 = 1_000_000_000_000
        let minimum = try fields.object["minimum"].map { json throws(FieldError) in
            try SegmentRuleParser.bounded(json, path: "$.minimum", -limit...limit)
        }
        let maximum = try fields.object["maximum"].map { json throws(FieldError) in
            try SegmentRuleParser.bounded(json, path: "$.maximum", -limit...limit)
        }
        if let minimum, let maximum, minimum > maximum {
            throw FieldError(path: "$.maximum", reason: "must not be less than minimum")
        }
        return ScoreModel(
            name: name, description: try description(fields), rules: rules, minimum: minimum, maximum: maximum)
    }

    static func description(_ fields: SegmentRuleParser.Fields) throws(FieldError) -> String? {
        guard let json = fields.object["description"] else { return nil }
        guard case .string(let text) = json, text.count <= 500 else {
            throw FieldError(path: "$.description", reason: "expected a string of at most 500 characters")
        }
        return text
    }

    /// The definition in the grammar ``parse(_:name:)`` reads (without the name).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "rules": .array(
                rules.map { rule in
                    var object: [String: JSONValue] = [
                        "event": .object(rule.event.jsonObject), "points": .number(Decimal(rule.points)),
                    ]
                    object["cap"] = rule.cap.map { .number(Decimal($0)) }
                    object["window"] = rule.window?.json
                    object["decay"] = rule.decay.map {
                        .object(["everyDays": .number(Decimal($0.everyDays)), "percent": .number(Decimal($0.percent))])
                    }
                    return .object(object)
                })
        ]
        object["description"] = description.map(JSONValue.string)
        object["minimum"] = minimum.map { .number(Decimal($0)) }
        object["maximum"] = maximum.map { .number(Decimal($0)) }
        return .object(object)
    }
}
