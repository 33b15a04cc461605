public import Foundation

/// A brand's rules for handing messages to channels, checked at send time for every journey:
/// frequency caps per channel and member, and quiet hours in the member's time zone (the brand's,
/// until members carry their own).
///
/// JSON: `{"caps": {"*": {"perDay": 3, "perWeek": 10}, "sms": {"perDay": 1}}, "quietHours": {"from":
/// "21:00", "to": "09:00"}}` — `*` caps every channel together; a channel's own cap counts that channel.
public struct DeliveryPolicy: Sendable, Hashable {
    public var caps: [String: FrequencyCap]
    /// Nil: no quiet hours.
    public var quietHours: QuietHours?
    public var timeZone: TimeZone

    /// A daily window in local minutes after midnight; `from > to` spans midnight.
    public struct QuietHours: Sendable, Hashable {
        public var from: Int
        public var to: Int

        public init(from: Int, to: Int) {
            self.from = from
            self.to = to
        }
    }

    public init(caps: [String: FrequencyCap] = [:], quietHours: QuietHours? = nil, timeZone: TimeZone) {
        self.caps = caps
        self.quietHours = quietHours
        self.timeZone = timeZone
    }

    /// What happens to a message for `channel` at `now` (microseconds), given the member's deliveries
    /// of the last seven days per channel (`sent`).
    public func decide(channel: String, now: Int64, sent: [String: [Int64]], quiet: QuietHoursBehaviour)
        -> DeliveryDecision
    {
        if quiet != .ignore, let opens = quietUntil(now) {
            return quiet == .hold ? .holdUntil(opens) : .suppress(.quietHoursDropped)
        }
        let day: Int64 = 86_400_000_000
        for (scope, cap) in caps.sorted(by: { $0.key < $1.key }) where scope == "*" || scope == channel {
            let times = scope == "*" ? sent.values.flatMap { $0 } : sent[channel] ?? []
            if let perDay = cap.perDay, times.count(where: { $0 > now - day }) >= perDay {
                return .suppress(.frequencyCapped)
            }
            if let perWeek = cap.perWeek, times.count(where: { $0 > now - 7 * day }) >= perWeek {
                return .suppress(.frequencyCapped)
            }
        }
        return .deliver
    }

    /// When the quiet hours around `now` end (microseconds), or nil outside them.
    public func quietUntil(_ now: Int64) -> Int64? {
        guard let quietHours, quietHours.from != quietHours.to else { return nil }
        let (from, to) = (quietHours.from, quietHours.to)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let instant = Date(timeIntervalSince1970: Double(now) / 1_000_000)
        let parts = calendar.dateComponents([.hour, .minute], from: instant)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let inside = from < to ? (minute >= from && minute < to) : (minute >= from || minute < to)
        guard inside else { return nil }
        let startOfDay = calendar.startOfDay(for: instant)
        let dayOffset = (from > to && minute >= from) ? 1 : 0
        guard let day = calendar.date(byAdding: .day, value: dayOffset, to: startOfDay),
            let opens = calendar.date(bySettingHour: to / 60, minute: to % 60, second: 0, of: day)
        else { return nil }
        return Int64((opens.timeIntervalSince1970 * 1_000_000).rounded())
    }
}

/// At most `perDay` deliveries in any 24 hours and `perWeek` in any 7 days.
public struct FrequencyCap: Sendable, Hashable {
    public var perDay: Int?
    public var perWeek: Int?

    public init(perDay: Int? = nil, perWeek: Int? = nil) {
        self.perDay = perDay
        self.perWeek = perWeek
    }
}

/// What a journey does with a message that falls in quiet hours.
public enum QuietHoursBehaviour: String, Sendable, Hashable, CaseIterable {
    /// Wait at the send node until the quiet hours end (the default).
    case hold
    /// Record it as not sent (`quiet_hours_dropped`) and go on.
    case drop
    /// Send anyway (transactional messages).
    case ignore
}

/// The verdict on one message.
public enum DeliveryDecision: Sendable, Hashable {
    case deliver
    case suppress(DeliveryFailure)
    case holdUntil(Int64)
}

/// Why a message was not delivered, as recorded on it and counted in the journey's analytics.
public enum DeliveryFailure: String, Sendable, Hashable, CaseIterable {
    case noConsent = "no_consent"
    case notSubscribed = "not_subscribed"
    case noContact = "no_contact"
    case noGuideRelationship = "no_guide_relationship"
    case frequencyCapped = "frequency_capped"
    case quietHoursDropped = "quiet_hours_dropped"
    case quotaExhausted = "quota_exhausted"
    case providerError = "provider_error"
}

extension DeliveryPolicy {
    /// Reads the JSON form (see the type's documentation) strictly; `timeZone` is the brand's.
    public static func parse(_ json: JSONValue, timeZone: TimeZone) throws(FieldError) -> DeliveryPolicy {
        let fields = try SegmentRuleParser.Fields(json, path: "$", allowed: ["caps", "quietHours"])
        var policy = DeliveryPolicy(timeZone: timeZone)
        if let caps = fields.object["caps"] {
            guard case .object(let byChannel) = caps else {
                throw FieldError(path: "$.caps", reason: "expected an object of channel: cap")
            }
            for (channel, body) in byChannel.sorted(by: { $0.key < $1.key }) {
                guard channel == "*" || SegmentRuleParser.isPlainName(channel) else {
                    throw FieldError(path: "$.caps.\(channel)", reason: "a channel name, or * for every channel")
                }
                let cap = try SegmentRuleParser.Fields(body, path: "$.caps.\(channel)", allowed: ["perDay", "perWeek"])
                func limit(_ key: String) throws(FieldError) -> Int? {
                    try cap.object[key].map { json throws(FieldError) in
                        Int(try SegmentRuleParser.bounded(json, path: "\(cap.path).\(key)", 0...1_000))
                    }
                }
                policy.caps[channel] = FrequencyCap(perDay: try limit("perDay"), perWeek: try limit("perWeek"))
            }
        }
        if let quiet = fields.object["quietHours"] {
            let window = try SegmentRuleParser.Fields(quiet, path: "$.quietHours", allowed: ["from", "to"])
            func minute(_ key: String) throws(FieldError) -> Int {
                let text = try window.text(key, required: true) ?? ""
                let parts = text.split(separator: ":").compactMap { Int($0) }
                guard text.count == 5, parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
                    throw FieldError(path: "$.quietHours.\(key)", reason: "expected a local time HH:MM")
                }
                return parts[0] * 60 + parts[1]
            }
            policy.quietHours = QuietHours(from: try minute("from"), to: try minute("to"))
        }
        return policy
    }

    /// The JSON form.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "caps": .object(
                caps.mapValues { cap in
                    var limits: [String: JSONValue] = [:]
                    if let perDay = cap.perDay { limits["perDay"] = .number(Decimal(perDay)) }
                    if let perWeek = cap.perWeek { limits["perWeek"] = .number(Decimal(perWeek)) }
                    return .object(limits)
                })
        ]
        if let quietHours {
            let text = { (minute: Int) in String(format: "%02d:%02d", minute / 60, minute % 60) }
            object["quietHours"] = .object([
                "from": .string(text(quietHours.from)), "to": .string(text(quietHours.to)),
            ])
        }
        return .object(object)
    }
}
