import Foundation

extension SegmentRule {
    /// The rule in the JSON grammar ``SegmentRuleParser`` reads; `parse(rule.json) == rule`.
    public var json: JSONValue {
        switch self {
        case .and(let rules): return .object(["and": .array(rules.map(\.json))])
        case .or(let rules): return .object(["or": .array(rules.map(\.json))])
        case .not(let rule): return .object(["not": rule.json])
        case .compare(let comparison):
            var object: [String: JSONValue] = [:]
            switch comparison.subject {
            case .field(let field): object["field"] = .string(field.rawValue)
            case .attribute(let name): object["attribute"] = .string(name)
            }
            switch comparison.test {
            case .textIn(let texts) where texts.count == 1:
                object["op"] = .string("=")
                object["value"] = .string(texts[0])
            case .textIn(let texts):
                object["op"] = .string("in")
                object["value"] = .array(texts.map(JSONValue.string))
            case .textNotIn(let texts) where texts.count == 1:
                object["op"] = .string("!=")
                object["value"] = .string(texts[0])
            case .textNotIn(let texts):
                object["op"] = .string("notIn")
                object["value"] = .array(texts.map(JSONValue.string))
            case .number(let test):
                object["op"] = .string(test.op.rawValue)
                object["value"] = .number(Decimal(test.value))
            case .numberBetween(let low, let high):
                object["op"] = .string("between")
                object["value"] = .array([.number(Decimal(low)), .number(Decimal(high))])
            case .bool(let flag):
                object["op"] = .string("=")
                object["value"] = .bool(flag)
            case .within(let window):
                object["op"] = .string("within")
                object["window"] = window.json
            case .before(let window):
                object["op"] = .string("before")
                object["window"] = window.json
            case .exists: object["op"] = .string("exists")
            case .missing: object["op"] = .string("missing")
            }
            return .object(["compare": .object(object)])
        case .event(let condition):
            var object = condition.matcher.jsonObject
            object["window"] = condition.window?.json
            object["count"] = condition.count.json
            return .object(["event": .object(object)])
        case .purchase(let condition):
            var object: [String: JSONValue] = [:]
            object["category"] = condition.category.map(JSONValue.string)
            object["sku"] = condition.sku.map(JSONValue.string)
            object["product"] = condition.product.map(JSONValue.string)
            object["productBrand"] = condition.productBrand.map(JSONValue.string)
            object["channel"] = condition.channel.map(JSONValue.string)
            object["store"] = condition.store.map(JSONValue.string)
            object["window"] = condition.window?.json
            switch condition.measure {
            case .count(let test): object["count"] = test.json
            case .amount(let test): object["amount"] = test.json
            }
            return .object(["purchase": .object(object)])
        case .sequence(let condition):
            var object: [String: JSONValue] = [
                "first": .object(condition.first.jsonObject), "then": .object(condition.then.jsonObject),
                "thenHappened": .bool(condition.thenHappened),
            ]
            if condition.seconds % 3_600 == 0 {
                object["withinHours"] = .number(Decimal(condition.seconds / 3_600))
            } else {
                object["withinMinutes"] = .number(Decimal(condition.seconds / 60))
            }
            object["window"] = condition.window?.json
            return .object(["sequence": .object(object)])
        case .tag(let tag): return .object(["tag": .string(tag)])
        case .segment(let id): return .object(["segment": .string(id)])
        case .score(let name, let test):
            return .object([
                "score": .object([
                    "name": .string(name), "op": .string(test.op.rawValue), "value": .number(Decimal(test.value)),
                ])
            ])
        case .lifecycle(let model, let stage):
            return .object(["lifecycle": .object(["model": .string(model), "stage": .string(stage)])])
        case .rfm(let group): return .object(["rfm": .object(["group": .string(group.rawValue)])])
        case .birthday(let days): return .object(["birthday": .object(["nextDays": .number(Decimal(days))])])
        case .pointsExpiring(let days, let test):
            return .object([
                "pointsExpiring": .object([
                    "withinDays": .number(Decimal(days)), "op": .string(test.op.rawValue),
                    "value": .number(Decimal(test.value)),
                ])
            ])
        }
    }
}

extension NumberTest {
    var json: JSONValue { .object(["op": .string(op.rawValue), "value": .number(Decimal(value))]) }
}

extension EventMatcher {
    var jsonObject: [String: JSONValue] {
        var object: [String: JSONValue] = ["name": .string(name)]
        if !properties.isEmpty { object["where"] = .object(properties.mapValues(JSONValue.string)) }
        object["channel"] = channel.map(JSONValue.string)
        return object
    }
}

extension TimeWindow {
    /// Absolute ends are written in UTC with microseconds, which reads back to the same instant.
    var json: JSONValue {
        switch self {
        case .lastDays(let days): return .object(["lastDays": .number(Decimal(days))])
        case .between(let from, let to):
            var object: [String: JSONValue] = [:]
            object["from"] = from.map { .string(Self.iso(micros: $0)) }
            object["to"] = to.map { .string(Self.iso(micros: $0)) }
            return .object(object)
        }
    }

    static func iso(micros: Int64) -> String {
        let seconds = micros.quotientAndRemainder(dividingBy: 1_000_000)
        var whole = seconds.quotient
        var fraction = seconds.remainder
        if fraction < 0 {
            whole -= 1
            fraction += 1_000_000
        }
        let date = Date(timeIntervalSince1970: Double(whole))
        let text = String(date.formatted(.iso8601).dropLast())  // "…T00:00:00Z" without the Z
        guard fraction != 0 else { return text + "Z" }
        let digits = String(fraction)
        return text + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }
}
