/// Reads a ``JourneyDefinition`` from JSON, strictly (an unknown key or a wrong type is a
/// ``FieldError`` at its JSON path), then checks its graph (``JourneyDefinition/graphFault()``).
///
/// - entry: `{"event": {"name": "Product Added", "where": {…}, "channel": "web", "delayMinutes": 0,
///   "unless": {"name": "Order Completed"}, "unlessHours": 24}}` or
///   `{"scheduled": {"segment": "<id>", "at": "2026-12-01T10:00:00+08:00"}}` or
///   `{"recurring": {"segment": "<id>", "every": "week", "weekday": 1, "time": "10:00"}}`
/// - nodes, one key each: `{"wait": {"minutes" | "hours" | "days": n, "next": id}}`,
///   `{"waitForEvent": {"event": matcher, "timeoutHours": n, "next": id, "timeout": id}}`,
///   `{"condition": {"rule": segment rule, "yes": id, "no": id}}`,
///   `{"split": {"branches": [{"name": "A", "weight": 45, "next": id}, {"name": "control", "weight": 10}]}}`,
///   `{"tag": {"name": "vip", "next": id}}`, `{"untag": {…}}`,
///   `{"send": {"channel": "log", "template": "welcome", "consent": "sms", "next": id}}`,
///   `{"grant": {"coupon": "<template id>" | "points": 200 | "growth": 50 | "benefit": {…}, "days": 7,
///   "budget": 1000, "next": id}}` (``JourneyGrant``), `{"task": {"title": "…", "dueHours": 48, "next": id}}`,
///   `{"exit": {"goal": true}}`
/// - `maximumEntries` (default 1), `reentryCooldownDays` (default 0), `quietHours`: `hold` (default),
///   `drop` or `ignore` (see ``QuietHoursBehaviour``).
public enum JourneyParser {
    /// At most this many nodes in one journey.
    public static let maximumNodes = 200
    private static let day: Int64 = 86_400

    public static func parse(_ json: JSONValue) throws(FieldError) -> JourneyDefinition {
        let fields = try SegmentRuleParser.Fields(
            json, path: "$",
            allowed: ["entry", "start", "nodes", "maximumEntries", "reentryCooldownDays", "quietHours"])
        let quiet = try fields.text("quietHours", required: false).map { text throws(FieldError) in
            guard let behaviour = QuietHoursBehaviour(rawValue: text) else {
                throw FieldError(path: "$.quietHours", reason: "expected hold, drop or ignore")
            }
            return behaviour
        }
        let entry = try self.entry(try fields.required("entry"))
        guard case .object(let nodeObjects) = try fields.required("nodes"), !nodeObjects.isEmpty else {
            throw FieldError(path: "$.nodes", reason: "expected an object of node id: node, with at least one node")
        }
        guard nodeObjects.count <= maximumNodes else {
            throw FieldError(path: "$.nodes", reason: "a journey has at most \(maximumNodes) nodes")
        }
        var nodes: [String: JourneyNode] = [:]
        for (id, body) in nodeObjects.sorted(by: { $0.key < $1.key }) {
            guard SegmentRuleParser.isPlainName(id) else {
                throw FieldError(path: "$.nodes.\(id)", reason: "node ids use letters, digits and _ only")
            }
            nodes[id] = try node(body, path: "$.nodes.\(id)")
        }
        let definition = JourneyDefinition(
            entry: entry, start: try fields.text("start", required: true) ?? "", nodes: nodes,
            maximumEntries: Int(
                try fields.object["maximumEntries"].map { json throws(FieldError) in
                    try SegmentRuleParser.bounded(json, path: "$.maximumEntries", 1...10_000)
                } ?? 1),
            reentryCooldownSeconds: day
                * (try fields.object["reentryCooldownDays"].map { json throws(FieldError) in
                    try SegmentRuleParser.bounded(json, path: "$.reentryCooldownDays", 0...3_660)
                } ?? 0), quietHours: quiet ?? .hold)
        if let fault = definition.graphFault() { throw fault }
        return definition
    }

    private static func entry(_ json: JSONValue) throws(FieldError) -> JourneyEntry {
        guard case .object(let object) = json, object.count == 1, let (key, body) = object.first else {
            throw FieldError(
                path: "$.entry",
                reason: "an entry is an object with exactly one key: event, scheduled, recurring or a marketing event")
        }
        let path = "$.entry.\(key)"
        switch key {
        case "event":
            let fields = try SegmentRuleParser.Fields(
                body, path: path,
                allowed: ["name", "where", "channel", "delayMinutes", "unless", "unlessHours", "unlessMinutes"])
            let matcher = try SegmentRuleParser.matcher(
                SegmentRuleParser.Fields(
                    .object(fields.object.filter { ["name", "where", "channel"].contains($0.key) }), path: path,
                    allowed: ["name", "where", "channel"]))
            let unless = try fields.object["unless"].map { json throws(FieldError) in
                try SegmentRuleParser.matcher(
                    SegmentRuleParser.Fields(json, path: "\(path).unless", allowed: ["name", "where", "channel"]))
            }
            let span = try duration(fields, keys: ["unlessHours": 3_600, "unlessMinutes": 60], required: unless != nil)
            if unless == nil, span != nil {
                throw FieldError(path: "\(path).unless", reason: "a span needs the event that must not follow")
            }
            return .event(
                matcher, delaySeconds: try duration(fields, keys: ["delayMinutes": 60], required: false) ?? 0,
                unless: unless, unlessSeconds: span ?? 0)
        case "scheduled":
            let fields = try SegmentRuleParser.Fields(body, path: path, allowed: ["segment", "at"])
            return .scheduledOnce(
                segment: try fields.text("segment", required: true) ?? "",
                at: try SegmentRuleParser.instant(try fields.required("at"), path: "\(path).at"))
        case "recurring":
            let fields = try SegmentRuleParser.Fields(
                body, path: path, allowed: ["segment", "every", "time", "weekday", "day"])
            return .recurring(
                segment: try fields.text("segment", required: true) ?? "",
                try JourneySchedule.parse(fields, path: path))
        default:
            if let entry = try MarketingEvent.entry(key, body, path: path) { return entry }
            throw FieldError(
                path: path,
                reason:
                    "unknown entry \(key); expected event, scheduled, recurring, segmentEntered, segmentExited, "
                    + "couponExpiring, pointsExpiring, birthday or priceDrop")
        }
    }

    private static func node(_ json: JSONValue, path: String) throws(FieldError) -> JourneyNode {
        guard case .object(let object) = json, object.count == 1, let (key, body) = object.first else {
            throw FieldError(
                path: path,
                reason: "a node is an object with exactly one of: wait, waitForEvent, condition, split, tag, untag, "
                    + "send, exit")
        }
        let here = "\(path).\(key)"
        switch key {
        case "wait":
            let fields = try SegmentRuleParser.Fields(body, path: here, allowed: ["minutes", "hours", "days", "next"])
            return .wait(
                seconds: try duration(fields, keys: ["minutes": 60, "hours": 3_600, "days": day], required: true) ?? 0,
                next: try fields.text("next", required: true) ?? "")
        case "waitForEvent":
            let fields = try SegmentRuleParser.Fields(
                body, path: here,
                allowed: ["event", "timeoutHours", "timeoutMinutes", "timeoutDays", "next", "timeout"])
            return .waitForEvent(
                try SegmentRuleParser.matcher(
                    SegmentRuleParser.Fields(
                        try fields.required("event"), path: "\(here).event", allowed: ["name", "where", "channel"])),
                timeoutSeconds: try duration(
                    fields, keys: ["timeoutMinutes": 60, "timeoutHours": 3_600, "timeoutDays": day], required: true)
                    ?? 0,
                next: try fields.text("next", required: true) ?? "",
                timeout: try fields.text("timeout", required: true) ?? "")
        case "condition":
            let fields = try SegmentRuleParser.Fields(body, path: here, allowed: ["rule", "yes", "no"])
            return .condition(
                try SegmentRuleParser.parse(try fields.required("rule"), path: "\(here).rule"),
                yes: try fields.text("yes", required: true) ?? "", no: try fields.text("no", required: true) ?? "")
        case "split":
            let fields = try SegmentRuleParser.Fields(body, path: here, allowed: ["branches"])
            guard case .array(let items) = try fields.required("branches"), items.count >= 2, items.count <= 10 else {
                throw FieldError(path: "\(here).branches", reason: "expected 2 to 10 branches")
            }
            var branches: [JourneyBranch] = []
            for (index, item) in items.enumerated() {
                let branch = try SegmentRuleParser.Fields(
                    item, path: "\(here).branches[\(index)]", allowed: ["name", "weight", "next"])
                let name = try branch.plainName("name")
                guard !branches.contains(where: { $0.name == name }) else {
                    throw FieldError(path: "\(branch.path).name", reason: "branch names must differ")
                }
                branches.append(
                    JourneyBranch(
                        name: name,
                        weight: Int(
                            try SegmentRuleParser.bounded(
                                try branch.required("weight"), path: "\(branch.path).weight", 1...10_000)),
                        next: try branch.text("next", required: false)))
            }
            return .split(branches)
        case "tag", "untag":
            let fields = try SegmentRuleParser.Fields(body, path: here, allowed: ["name", "next"])
            return .tag(
                try fields.text("name", required: true) ?? "", add: key == "tag",
                next: try fields.text("next", required: true) ?? "")
        case "send":
            let fields = try SegmentRuleParser.Fields(
                body, path: here, allowed: ["channel", "template", "consent", "next"])
            let channel = try fields.plainName("channel")
            return .send(
                channel: channel, template: try fields.plainName("template"),
                consent: fields.object["consent"] == nil ? nil : try fields.plainName("consent"),
                next: try fields.text("next", required: true) ?? "")
        case "filter":
            let fields = try SegmentRuleParser.Fields(body, path: here, allowed: ["rule", "message", "of", "next"])
            let next = try fields.text("next", required: true) ?? ""
            if let rule = fields.object["rule"] {
                guard fields.object["message"] == nil, fields.object["of"] == nil else {
                    throw FieldError(path: here, reason: "a filter has a rule, or a message test with of, not both")
                }
                return .filter(.rule(try SegmentRuleParser.parse(rule, path: "\(here).rule")), next: next)
            }
            guard let test = JourneyFilter.MessageTest(rawValue: try fields.text("message", required: true) ?? "")
            else {
                throw FieldError(
                    path: "\(here).message",
                    reason: "expected \(JourneyFilter.MessageTest.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return .filter(.message(test, of: try fields.text("of", required: true) ?? ""), next: next)
        case "grant":
            let fields = try SegmentRuleParser.Fields(
                body, path: here, allowed: ["coupon", "points", "growth", "benefit", "days", "budget", "next"])
            let grant = try JourneyGrant.parse(
                .object(fields.object.filter { $0.key != "budget" && $0.key != "next" }), path: here)
            let budget = try fields.object["budget"].map { json throws(FieldError) in
                Int(try SegmentRuleParser.bounded(json, path: "\(here).budget", 1...100_000_000))
            }
            return .grant(grant, budget: budget, next: try fields.text("next", required: true) ?? "")
        case "task":
            let fields = try SegmentRuleParser.Fields(body, path: here, allowed: ["title", "dueHours", "next"])
            guard let title = fields.object["title"]?.stringValue, case .string = fields.object["title"],
                (1...200).contains(title.count)
            else {
                throw FieldError(
                    path: "\(here).title", reason: "required: what the guide should do, 1 to 200 characters")
            }
            let due = try fields.object["dueHours"].map { json throws(FieldError) in
                Int(try SegmentRuleParser.bounded(json, path: "\(here).dueHours", 1...24 * 90))
            }
            return .task(title: title, dueHours: due ?? 48, next: try fields.text("next", required: true) ?? "")
        case "exit":
            let fields = try SegmentRuleParser.Fields(body, path: here, allowed: ["goal"])
            guard let goal = fields.object["goal"] else { return .exit(goal: false) }
            guard case .bool(let flag) = goal else {
                throw FieldError(path: "\(here).goal", reason: "expected a boolean")
            }
            return .exit(goal: flag)
        default:
            throw FieldError(path: here, reason: "unknown node \(key)")
        }
    }

    /// Seconds from exactly one of `keys` (key → seconds per unit), a whole number of at most a year.
    private static func duration(_ fields: SegmentRuleParser.Fields, keys: [String: Int64], required: Bool)
        throws(FieldError) -> Int64?
    {
        let given = keys.keys.sorted().filter { fields.object[$0] != nil }
        guard given.count <= 1 else {
            throw FieldError(path: "\(fields.path).\(given[1])", reason: "give one of \(given.joined(separator: ", "))")
        }
        guard let key = given.first, let json = fields.object[key], let unit = keys[key] else {
            if required {
                throw FieldError(
                    path: fields.path, reason: "give a duration: one of \(keys.keys.sorted().joined(separator: ", "))")
            }
            return nil
        }
        let limit = 366 * day / unit
        return unit * (try SegmentRuleParser.bounded(json, path: "\(fields.path).\(key)", 0...limit))
    }
}
