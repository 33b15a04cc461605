/// Earns `earn` each time the member does `event` (a tracked event name such as `check_in`,
/// `review`, `sign_up`), at most `perDay` times per local day when given.
///
/// `{"event": "check_in", "earn": 5, "perDay": 1}`
public struct EventRule: Sendable, Hashable, Codable {
    public var event: String
    public var earn: Int64
    public var perDay: Int?

    public init(event: String, earn: Int64, perDay: Int? = nil) {
        self.event = event
        self.earn = earn
        self.perDay = perDay
    }

    func validate(path: String) -> [FieldError] {
        var errors: [FieldError] = []
        if event.trimmingWhitespace().isEmpty {
            errors.append(FieldError(path: path + ".event", reason: "must name an event"))
        }
        if !(1...1_000_000).contains(earn) {
            errors.append(FieldError(path: path + ".earn", reason: "must be a whole number from 1 to 1000000"))
        }
        if let perDay, perDay < 1 {
            errors.append(FieldError(path: path + ".perDay", reason: "must be at least 1 when given"))
        }
        return errors
    }
}
