/// How a computed tag is derived: a rule tag is carried by exactly the members its rule matches; a
/// behaviour tag definition hands out tags named after event property values.
public enum TagDerivation: Sendable, Hashable {
    case rule(SegmentRule)
    case behaviour(BehaviourTagging)

    /// Reads the definition of a `rule` or `behaviour` tag from its API body, strictly (paths under
    /// `$`): `{"rule": rule}` or `{"behaviour": {"event": matcher, "property": "category",
    /// "prefix": "likes:", "window": W}}`. A rule may read scores but not tags, lifecycles or
    /// segments, which are derived after tags.
    public static func parse(kind: TagDefinition.Kind, _ json: JSONValue?) throws(FieldError) -> TagDerivation {
        typealias Fields = SegmentRuleParser.Fields
        switch kind {
        case .rule:
            guard let json else { throw FieldError(path: "$.rule", reason: "required for a rule tag") }
            let rule = try SegmentRuleParser.parse(json, path: "$.rule")
            if rule.contains(where: {
                switch $0 {
                case .tag, .lifecycle, .segment: true
                default: false
                }
            }) {
                throw FieldError(
                    path: "$.rule",
                    reason: "a rule tag may not read tags, lifecycles or segments (they are derived after tags)")
            }
            return .rule(rule)
        case .behaviour:
            guard let json else { throw FieldError(path: "$.behaviour", reason: "required for a behaviour tag") }
            let fields = try Fields(json, path: "$.behaviour", allowed: ["event", "property", "prefix", "window"])
            let event = try SegmentRuleParser.matcher(
                try Fields(fields.required("event"), path: "$.behaviour.event", allowed: ["name", "where", "channel"]))
            let prefix = try fields.object["prefix"].map { value throws(FieldError) -> String in
                guard case .string(let text) = value, text.count <= 32, TagDefinition.validName(text + "x") else {
                    throw FieldError(
                        path: "$.behaviour.prefix",
                        reason: "a string of at most 32 characters, no commas or line breaks")
                }
                return text
            }
            return .behaviour(
                BehaviourTagging(
                    event: event, property: try fields.plainName("property"), prefix: prefix ?? "",
                    window: try fields.window(required: false)))
        case .manual, .process:
            throw FieldError(path: "$.kind", reason: "manual and process tags are set, not derived")
        }
    }

    /// The definition in the grammar ``parse(kind:_:)`` reads, as stored in `tags.rule`.
    public var json: JSONValue {
        switch self {
        case .rule(let rule): return rule.json
        case .behaviour(let tagging):
            var object: [String: JSONValue] = [
                "event": .object(tagging.event.jsonObject), "property": .string(tagging.property),
                "prefix": .string(tagging.prefix),
            ]
            object["window"] = tagging.window?.json
            return .object(object)
        }
    }

    /// The tag kind it derives.
    public var kind: TagDefinition.Kind {
        switch self {
        case .rule: .rule
        case .behaviour: .behaviour
        }
    }
}
