extension LifecycleModel {
    /// Most stages one model has.
    public static let maximumStages = 20

    /// Reads a lifecycle definition strictly (errors name the JSON path under `$`):
    /// `{"description": "…", "stages": [{"name": "active", "rule": rule}, …]}`, first match wins.
    /// Stage names are plain (letters, digits, `_`) and unique; stage rules may not read lifecycles
    /// or segments.
    public static func parse(_ json: JSONValue, name: String) throws(FieldError) -> LifecycleModel {
        typealias Fields = SegmentRuleParser.Fields
        let fields = try Fields(json, path: "$", allowed: ["description", "stages"])
        guard case .array(let items) = try fields.required("stages"), (1...maximumStages).contains(items.count)
        else {
            throw FieldError(path: "$.stages", reason: "expected an array of 1 to \(maximumStages) stages")
        }
        var stages: [Stage] = []
        for (index, item) in items.enumerated() {
            let path = "$.stages[\(index)]"
            let stage = try Fields(item, path: path, allowed: ["name", "rule"])
            let stageName = try stage.plainName("name")
            guard !stages.contains(where: { $0.name == stageName }) else {
                throw FieldError(path: "\(path).name", reason: "stage \(stageName) is listed twice")
            }
            let rule = try SegmentRuleParser.parse(try stage.required("rule"), path: "\(path).rule")
            if rule.contains(where: {
                if case .lifecycle = $0 { true } else if case .segment = $0 { true } else { false }
            }) {
                throw FieldError(
                    path: "\(path).rule",
                    reason: "a stage rule may not read lifecycles or segments (they are derived after stages)")
            }
            stages.append(Stage(name: stageName, rule: rule))
        }
        return LifecycleModel(name: name, description: try ScoreModel.description(fields), stages: stages)
    }

    /// The definition in the grammar ``parse(_:name:)`` reads (without the name).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "stages": .array(stages.map { .object(["name": .string($0.name), "rule": $0.rule.json]) })
        ]
        object["description"] = description.map(JSONValue.string)
        return .object(object)
    }
}
