/// Which events a condition is about: a name, optionally string properties that must be equal
/// and a channel. `{"name": "page_view", "where": {"path": "/sale"}, "channel": "miniprogram"}`.
public struct EventMatcher: Sendable, Hashable {
    public var name: String
    /// Property name → the string it must equal (a number or missing property never matches).
    public var properties: [String: String]
    public var channel: String?

    public init(name: String, properties: [String: String] = [:], channel: String? = nil) {
        self.name = name
        self.properties = properties
        self.channel = channel
    }

    public func matches(_ event: EventFact) -> Bool {
        guard event.name == name else { return false }
        if let channel, event.channel != channel { return false }
        for (key, value) in properties {
            guard case .string(let actual) = event.properties[key], actual == value else { return false }
        }
        return true
    }
}

/// "did E n times within a window": `count` events matching `matcher` inside `window`.
public struct EventCondition: Sendable, Hashable {
    public var matcher: EventMatcher
    public var window: TimeWindow?
    public var count: NumberTest

    public init(_ matcher: EventMatcher, window: TimeWindow? = nil, count: NumberTest = .atLeastOnce) {
        self.matcher = matcher
        self.window = window
        self.count = count
    }
}

/// "did A and (not) B within N after A": some A inside `window`, at least `seconds` old, with
/// (`thenHappened`) or without a B at or after it and at most `seconds` later.
///
/// A must be old enough for its follow-up window to have closed, so a member who added to cart an
/// hour ago is not yet "added to cart and did not order within 24 hours".
public struct SequenceCondition: Sendable, Hashable {
    public var first: EventMatcher
    public var then: EventMatcher
    public var seconds: Int64
    public var thenHappened: Bool
    public var window: TimeWindow?

    public init(first: EventMatcher, then: EventMatcher, seconds: Int64, thenHappened: Bool, window: TimeWindow?) {
        self.first = first
        self.then = then
        self.seconds = seconds
        self.thenHappened = thenHappened
        self.window = window
    }
}
