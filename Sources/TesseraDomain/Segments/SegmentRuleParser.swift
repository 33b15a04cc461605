import Foundation

/// Reads a ``SegmentRule`` from JSON, strictly: an unknown key, a wrong type or a test that does
/// not suit its field is a ``FieldError`` naming the JSON path (`$.and[1].purchase.count.op`), because
/// a misspelt condition that was silently ignored would widen a segment that sends messages.
///
/// The grammar, one key per rule node:
/// - `{"and": [rule, …]}`, `{"or": [rule, …]}`, `{"not": rule}`
/// - `{"compare": {"field": "orderCount", "op": ">=", "value": 2}}` — or `"attribute": "skinType"`;
///   ops `=`, `!=`, `in`, `notIn`, `<`, `<=`, `>`, `>=`, `between` (`[low, high]`, inclusive),
///   `within` / `before` (with `"window"`, time fields), `exists`, `missing`
/// - `{"event": {"name": "page_view", "where": {"path": "/sale"}, "channel": "web", "window": W,
///   "count": {"op": ">=", "value": 3}}}`
/// - `{"purchase": {"category" | "sku" | "product" | "productBrand" | "channel" | "store": "…",
///   "window": W, "count": {…} | "amount": {…}}}` (amounts in minor units)
/// - `{"sequence": {"first": matcher, "then": matcher, "withinHours": 24 | "withinMinutes": 30,
///   "thenHappened": false, "window": W}}`
/// - `{"tag": "vip"}`, `{"segment": "<segment id>"}`, `{"birthday": {"nextDays": 7}}`,
///   `{"pointsExpiring": {"withinDays": 30, "op": ">", "value": 0}}`
/// - `{"score": {"name": "engagement", "op": ">=", "value": 50}}`,
///   `{"lifecycle": {"model": "aipl", "stage": "interest"}}`, `{"rfm": {"group": "champions"}}`
/// - a window W is `{"lastDays": 30}` or `{"from": "2026-01-01T00:00:00+08:00", "to": "…"}`.
public enum SegmentRuleParser {
    /// The deepest nesting accepted.
    public static let maximumDepth = 16
    /// The most condition nodes accepted in one rule.
    public static let maximumNodes = 200

    /// The rule in `json`, or the first fault at its path under `$`.
    public static func parse(_ json: JSONValue, path: String = "$") throws(FieldError) -> SegmentRule {
        var nodes = 0
        return try rule(json, path: path, depth: 0, nodes: &nodes)
    }

    // MARK: Rules

    private static func rule(_ json: JSONValue, path: String, depth: Int, nodes: inout Int) throws(FieldError)
        -> SegmentRule
    {
        guard depth < maximumDepth else {
            throw FieldError(path: path, reason: "rules nest at most \(maximumDepth) levels deep")
        }
        nodes += 1
        guard nodes <= maximumNodes else {
            throw FieldError(path: path, reason: "a rule has at most \(maximumNodes) conditions")
        }
        guard case .object(let object) = json, object.count == 1, let (key, body) = object.first else {
            throw FieldError(
                path: path,
                reason: "a rule is an object with exactly one of: \(kinds.joined(separator: ", "))")
        }
        let here = "\(path).\(key)"
        switch key {
        case "and", "or":
            guard case .array(let items) = body else {
                throw FieldError(path: here, reason: "expected an array of rules")
            }
            var rules: [SegmentRule] = []
            for (index, item) in items.enumerated() {
                rules.append(try rule(item, path: "\(here)[\(index)]", depth: depth + 1, nodes: &nodes))
            }
            return key == "and" ? .and(rules) : .or(rules)
        case "not": return .not(try rule(body, path: here, depth: depth + 1, nodes: &nodes))
        case "compare": return .compare(try comparison(body, path: here))
        case "event": return .event(try event(body, path: here))
        case "purchase": return .purchase(try purchase(body, path: here))
        case "sequence": return .sequence(try sequence(body, path: here))
        case "tag": return .tag(try name(body, path: here))
        case "segment": return .segment(try name(body, path: here))
        case "birthday":
            let fields = try Fields(body, path: here, allowed: ["nextDays"])
            return .birthday(days: try fields.days("nextDays", required: true) ?? 1)
        case "pointsExpiring":
            let fields = try Fields(body, path: here, allowed: ["withinDays", "op", "value"])
            return .pointsExpiring(days: try fields.days("withinDays", required: true) ?? 1, try fields.numberTest())
        case "score":
            let fields = try Fields(body, path: here, allowed: ["name", "op", "value"])
            return .score(try fields.plainName("name"), try fields.numberTest())
        case "lifecycle":
            let fields = try Fields(body, path: here, allowed: ["model", "stage"])
            return .lifecycle(model: try fields.plainName("model"), stage: try fields.plainName("stage"))
        case "rfm":
            let fields = try Fields(body, path: here, allowed: ["group"])
            let text = try fields.text("group", required: true) ?? ""
            guard let group = RFMGroup(rawValue: text) else {
                throw FieldError(
                    path: "\(here).group",
                    reason: "unknown RFM group \(text); expected one of: "
                        + RFMGroup.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return .rfm(group)
        default:
            throw FieldError(
                path: here, reason: "unknown rule \(key); expected one of: \(kinds.joined(separator: ", "))")
        }
    }

    static let kinds = [
        "and", "or", "not", "compare", "event", "purchase", "sequence", "tag", "segment", "birthday", "pointsExpiring",
        "score", "lifecycle", "rfm",
    ]

    private static func comparison(_ json: JSONValue, path: String) throws(FieldError) -> FieldComparison {
        let fields = try Fields(json, path: path, allowed: ["field", "attribute", "op", "value", "window"])
        let op = try fields.text("op", required: true) ?? ""
        if let fieldName = try fields.text("field", required: false) {
            guard fields.object["attribute"] == nil else {
                throw FieldError(path: "\(path).attribute", reason: "give either field or attribute, not both")
            }
            guard let field = MemberField(rawValue: fieldName) else {
                throw FieldError(
                    path: "\(path).field",
                    reason: "unknown field \(fieldName); expected one of: "
                        + MemberField.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return FieldComparison(.field(field), try test(op, type: field.valueType, fields))
        }
        guard let attribute = try fields.text("attribute", required: false) else {
            throw FieldError(path: "\(path).field", reason: "a comparison needs a field or an attribute")
        }
        guard Self.isPlainName(attribute) else {
            throw FieldError(path: "\(path).attribute", reason: "attribute names use letters, digits and _ only")
        }
        let type: MemberField.ValueType
        switch fields.object["value"] {
        case .number: type = .number
        case .bool: type = .bool
        case .array(let items) where items.first.map({ if case .number = $0 { true } else { false } }) == true:
            type = .number
        default: type = .text
        }
        return FieldComparison(.attribute(attribute), try test(op, type: type, fields, attribute: true))
    }

    private static func test(_ op: String, type: MemberField.ValueType, _ fields: Fields, attribute: Bool = false)
        throws(FieldError) -> FieldTest
    {
        let valuePath = "\(fields.path).value"
        switch op {
        case "exists": return .exists
        case "missing": return .missing
        default: break
        }
        func refuse() -> FieldError {
            let allowed: String
            switch type {
            case .text: allowed = "=, !=, in, notIn, exists, missing"
            case .number: allowed = "=, !=, <, <=, >, >=, between, exists, missing"
            case .bool: allowed = "=, !=, exists, missing"
            case .time: allowed = "within, before, exists, missing"
            }
            return FieldError(
                path: "\(fields.path).op",
                reason:
                    "\(op) does not apply to a \(type.rawValue) \(attribute ? "attribute" : "field"); use \(allowed)")
        }
        switch type {
        case .text:
            switch op {
            case "=", "!=":
                let text = try fields.text("value", required: true) ?? ""
                return op == "=" ? .textIn([text]) : .textNotIn([text])
            case "in", "notIn":
                guard case .array(let items) = fields.object["value"], !items.isEmpty, items.count <= 1_000 else {
                    throw FieldError(path: valuePath, reason: "expected an array of 1 to 1,000 strings")
                }
                var texts: [String] = []
                for (index, item) in items.enumerated() {
                    guard case .string(let text) = item else {
                        throw FieldError(path: "\(valuePath)[\(index)]", reason: "expected a string")
                    }
                    texts.append(text)
                }
                return op == "in" ? .textIn(texts) : .textNotIn(texts)
            default: throw refuse()
            }
        case .number:
            if op == "between" {
                guard case .array(let items) = fields.object["value"], items.count == 2 else {
                    throw FieldError(path: valuePath, reason: "expected [low, high], two integers")
                }
                let low = try integer(items[0], path: "\(valuePath)[0]")
                let high = try integer(items[1], path: "\(valuePath)[1]")
                guard low <= high else { throw FieldError(path: valuePath, reason: "low must not exceed high") }
                return .numberBetween(low, high)
            }
            guard let comparison = ComparisonOperator(rawValue: op) else { throw refuse() }
            return .number(NumberTest(comparison, try integer(fields.object["value"], path: valuePath)))
        case .bool:
            guard op == "=" || op == "!=" else { throw refuse() }
            guard case .bool(let flag) = fields.object["value"] else {
                throw FieldError(path: valuePath, reason: "expected true or false")
            }
            return .bool(op == "=" ? flag : !flag)
        case .time:
            guard op == "within" || op == "before" else { throw refuse() }
            guard let window = try fields.window(required: true) else { throw refuse() }
            return op == "within" ? .within(window) : .before(window)
        }
    }

    private static func event(_ json: JSONValue, path: String) throws(FieldError) -> EventCondition {
        let fields = try Fields(json, path: path, allowed: ["name", "where", "channel", "window", "count"])
        return EventCondition(
            try matcher(fields), window: try fields.window(required: false),
            count: try fields.count("count") ?? .atLeastOnce)
    }

    static func matcher(_ fields: Fields) throws(FieldError) -> EventMatcher {
        var properties: [String: String] = [:]
        if let whereJSON = fields.object["where"] {
            guard case .object(let object) = whereJSON else {
                throw FieldError(path: "\(fields.path).where", reason: "expected an object of property: string")
            }
            for (key, value) in object {
                guard isPlainName(key) else {
                    throw FieldError(
                        path: "\(fields.path).where.\(key)", reason: "property names use letters, digits and _ only")
                }
                guard case .string(let text) = value else {
                    throw FieldError(path: "\(fields.path).where.\(key)", reason: "expected a string to match")
                }
                properties[key] = text
            }
        }
        return EventMatcher(
            name: try fields.text("name", required: true) ?? "", properties: properties,
            channel: try fields.text("channel", required: false))
    }

    private static func purchase(_ json: JSONValue, path: String) throws(FieldError) -> PurchaseCondition {
        let fields = try Fields(
            json, path: path,
            allowed: ["category", "sku", "product", "productBrand", "channel", "store", "window", "count", "amount"])
        if fields.object["count"] != nil && fields.object["amount"] != nil {
            throw FieldError(path: "\(path).amount", reason: "compare either count or amount, not both")
        }
        let measure: PurchaseCondition.Measure =
            if let amount = try fields.count("amount") { .amount(amount) } else {
                .count(try fields.count("count") ?? .atLeastOnce)
            }
        return PurchaseCondition(
            category: try fields.text("category", required: false), sku: try fields.text("sku", required: false),
            product: try fields.text("product", required: false),
            productBrand: try fields.text("productBrand", required: false),
            channel: try fields.text("channel", required: false), store: try fields.text("store", required: false),
            window: try fields.window(required: false), measure: measure)
    }

    private static func sequence(_ json: JSONValue, path: String) throws(FieldError) -> SequenceCondition {
        let fields = try Fields(
            json, path: path, allowed: ["first", "then", "withinHours", "withinMinutes", "thenHappened", "window"])
        let first = try matcher(
            try Fields(fields.required("first"), path: "\(path).first", allowed: ["name", "where", "channel"]))
        let then = try matcher(
            try Fields(fields.required("then"), path: "\(path).then", allowed: ["name", "where", "channel"]))
        let hours = fields.object["withinHours"]
        let minutes = fields.object["withinMinutes"]
        let seconds: Int64
        switch (hours, minutes) {
        case (.some(let value), nil):
            seconds = try bounded(value, path: "\(path).withinHours", 1...8_760) * 3_600
        case (nil, .some(let value)):
            seconds = try bounded(value, path: "\(path).withinMinutes", 1...525_600) * 60
        default:
            throw FieldError(path: "\(path).withinHours", reason: "give one of withinHours or withinMinutes")
        }
        var happened = false
        if let flag = fields.object["thenHappened"] {
            guard case .bool(let value) = flag else {
                throw FieldError(path: "\(path).thenHappened", reason: "expected true or false")
            }
            happened = value
        }
        return SequenceCondition(
            first: first, then: then, seconds: seconds, thenHappened: happened,
            window: try fields.window(required: false))
    }

    // MARK: Values

    static func name(_ json: JSONValue, path: String) throws(FieldError) -> String {
        guard case .string(let text) = json, !text.isEmpty, text.count <= 200 else {
            throw FieldError(path: path, reason: "expected a non-empty string of at most 200 characters")
        }
        return text
    }

    static func integer(_ json: JSONValue?, path: String) throws(FieldError) -> Int64 {
        guard case .number(let number) = json else { throw FieldError(path: path, reason: "expected an integer") }
        var rounded = number
        var source = number
        NSDecimalRound(&rounded, &source, 0, .plain)
        guard rounded == number, number >= Decimal(Int64.min), number <= Decimal(Int64.max) else {
            throw FieldError(path: path, reason: "expected an integer (amounts are in minor units)")
        }
        return NSDecimalNumber(decimal: number).int64Value
    }

    static func bounded(_ json: JSONValue, path: String, _ range: ClosedRange<Int64>) throws(FieldError)
        -> Int64
    {
        let number = try integer(json, path: path)
        guard range.contains(number) else {
            throw FieldError(path: path, reason: "expected \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Letters, digits and `_`, 1 to 64 bytes: attribute, property, score, model and stage names.
    public static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy {
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95
            }
    }

    /// An ISO 8601 time with an offset, to the microsecond (Foundation's parser keeps milliseconds,
    /// so the fraction is read here).
    static func instant(_ json: JSONValue, path: String) throws(FieldError) -> Int64 {
        let failure = FieldError(
            path: path, reason: "expected an ISO 8601 time with an offset, e.g. 2026-01-01T00:00:00+08:00")
        guard case .string(let text) = json else { throw failure }
        var whole = text
        var micros: Int64 = 0
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9 else { throw failure }
            let padded = (digits + String(repeating: "0", count: 9 - digits.count)).prefix(6)
            micros = Int64(padded) ?? 0
            whole = String(text[..<dot]) + String(text[text.index(after: dot)...].dropFirst(digits.count))
        }
        guard let date = try? Date(whole, strategy: .iso8601) else { throw failure }
        return Int64(date.timeIntervalSince1970.rounded()) * 1_000_000 + micros
    }

    /// The keys of one rule node, checked against what the node allows.
    struct Fields {
        let object: [String: JSONValue]
        let path: String

        init(_ json: JSONValue, path: String, allowed: Set<String>) throws(FieldError) {
            guard case .object(let object) = json else { throw FieldError(path: path, reason: "expected an object") }
            for key in object.keys.sorted() where !allowed.contains(key) {
                throw FieldError(
                    path: "\(path).\(key)",
                    reason: "unknown key \(key); expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
            self.object = object
            self.path = path
        }

        func required(_ key: String) throws(FieldError) -> JSONValue {
            guard let value = object[key] else { throw FieldError(path: "\(path).\(key)", reason: "required") }
            return value
        }

        func text(_ key: String, required: Bool) throws(FieldError) -> String? {
            guard let value = object[key] else {
                if required { throw FieldError(path: "\(path).\(key)", reason: "required") }
                return nil
            }
            return try SegmentRuleParser.name(value, path: "\(path).\(key)")
        }

        /// A required name of letters, digits and `_` (score, model and stage names).
        func plainName(_ key: String) throws(FieldError) -> String {
            let name = try text(key, required: true) ?? ""
            guard SegmentRuleParser.isPlainName(name) else {
                throw FieldError(path: "\(path).\(key)", reason: "names use letters, digits and _ only (at most 64)")
            }
            return name
        }

        func days(_ key: String, required: Bool) throws(FieldError) -> Int? {
            guard let value = object[key] else {
                if required { throw FieldError(path: "\(path).\(key)", reason: "required") }
                return nil
            }
            return Int(try SegmentRuleParser.bounded(value, path: "\(path).\(key)", 1...3_660))
        }

        /// `op` and `value` of this object.
        func numberTest() throws(FieldError) -> NumberTest {
            let op = try text("op", required: true) ?? ""
            guard let comparison = ComparisonOperator(rawValue: op) else {
                throw FieldError(
                    path: "\(path).op",
                    reason:
                        "unknown operator \(op); use one of \(ComparisonOperator.allCases.map(\.rawValue).joined(separator: " "))"
                )
            }
            return NumberTest(comparison, try SegmentRuleParser.integer(object["value"], path: "\(path).value"))
        }

        func count(_ key: String) throws(FieldError) -> NumberTest? {
            guard let value = object[key] else { return nil }
            return try Fields(value, path: "\(path).\(key)", allowed: ["op", "value"]).numberTest()
        }

        func window(required: Bool) throws(FieldError) -> TimeWindow? {
            guard let value = object["window"] else {
                if required { throw FieldError(path: "\(path).window", reason: "required") }
                return nil
            }
            let fields = try Fields(value, path: "\(path).window", allowed: ["lastDays", "from", "to"])
            if let days = try fields.days("lastDays", required: false) {
                guard fields.object["from"] == nil, fields.object["to"] == nil else {
                    throw FieldError(path: "\(path).window", reason: "give lastDays or from/to, not both")
                }
                return .lastDays(days)
            }
            let from = try fields.object["from"].map { json throws(FieldError) in
                try SegmentRuleParser.instant(json, path: "\(path).window.from")
            }
            let to = try fields.object["to"].map { json throws(FieldError) in
                try SegmentRuleParser.instant(json, path: "\(path).window.to")
            }
            guard from != nil || to != nil else {
                throw FieldError(path: "\(path).window", reason: "give lastDays, from or to")
            }
            if let from, let to, from >= to {
                throw FieldError(path: "\(path).window.to", reason: "must be later than from")
            }
            return .between(from: from, to: to)
        }
    }
}
