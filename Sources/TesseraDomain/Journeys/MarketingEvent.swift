/// The events Tessera itself emits for journeys to start on (SPEC §7 "marketing events"), and the
/// horizons they are emitted at. A journey names them with entry shorthands that become event entries:
///
/// | entry | event | matched on |
/// |---|---|---|
/// | `{"segmentEntered": "<segment id>"}` | `segment.entered` | `segmentId` |
/// | `{"segmentExited": "<segment id>"}` | `segment.exited` | `segmentId` |
/// | `{"couponExpiring": {"daysBefore": 3}}` | `coupon.expiring` | `daysBefore` (and `templateId` if given) |
/// | `{"pointsExpiring": {"daysBefore": 7}}` | `points.expiring` | `daysBefore` |
/// | `{"birthday": {"daysBefore": 0}}` | `birthday.upcoming` | `daysBefore` |
/// | `{"priceDrop": {"percent": 10}}` | `cart.price_dropped` | `atLeast10` |
public enum MarketingEvent {
    public static let segmentEntered = "segment.entered"
    public static let segmentExited = "segment.exited"
    public static let couponExpiring = "coupon.expiring"
    public static let pointsExpiring = "points.expiring"
    public static let birthday = "birthday.upcoming"
    public static let priceDropped = "cart.price_dropped"

    /// Days before a coupon's validity ends that `coupon.expiring` is emitted.
    public static let couponHorizons = [1, 3, 7]
    /// Days before points lots expire that `points.expiring` is emitted.
    public static let pointsHorizons = [1, 7, 30]
    /// Days before a member's birthday (in the brand's time zone) that `birthday.upcoming` is emitted.
    public static let birthdayHorizons = [0, 1, 3, 7]
    /// Price-drop thresholds (percent) a `cart.price_dropped` event marks as reached (`atLeast10: "true"`).
    public static let dropThresholds = [5, 10, 15, 20, 30, 50]

    /// Reads an entry shorthand (`key` and its body) as the event entry it stands for.
    static func entry(_ key: String, _ body: JSONValue, path: String) throws(FieldError) -> JourneyEntry? {
        func horizon(_ allowed: [Int], key field: String, extra: Set<String> = []) throws(FieldError)
            -> (Int, SegmentRuleParser.Fields)
        {
            let fields = try SegmentRuleParser.Fields(body, path: path, allowed: Set([field]).union(extra))
            let value = Int(
                try SegmentRuleParser.bounded(try fields.required(field), path: "\(path).\(field)", 0...366))
            guard allowed.contains(value) else {
                throw FieldError(
                    path: "\(path).\(field)", reason: "one of \(allowed.map(String.init).joined(separator: ", "))")
            }
            return (value, fields)
        }
        func event(_ name: String, _ properties: [String: String]) -> JourneyEntry {
            .event(EventMatcher(name: name, properties: properties), delaySeconds: 0, unless: nil, unlessSeconds: 0)
        }
        switch key {
        case "segmentEntered", "segmentExited":
            guard let segment = body.stringValue, case .string = body, !segment.isEmpty else {
                throw FieldError(path: path, reason: "expected a segment id")
            }
            return event(key == "segmentEntered" ? segmentEntered : segmentExited, ["segmentId": segment])
        case "couponExpiring":
            let (days, fields) = try horizon(couponHorizons, key: "daysBefore", extra: ["template"])
            var properties = ["daysBefore": String(days)]
            if let template = try fields.text("template", required: false) { properties["templateId"] = template }
            return event(couponExpiring, properties)
        case "pointsExpiring":
            return event(pointsExpiring, ["daysBefore": String(try horizon(pointsHorizons, key: "daysBefore").0)])
        case "birthday":
            return event(birthday, ["daysBefore": String(try horizon(birthdayHorizons, key: "daysBefore").0)])
        case "priceDrop":
            return event(priceDropped, ["atLeast\(try horizon(dropThresholds, key: "percent").0)": "true"])
        default:
            return nil
        }
    }
}
