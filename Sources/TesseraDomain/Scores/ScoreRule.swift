/// One rule of a behaviour score: "each event matching `event` → `points`", optionally only inside
/// a window, fading with age (`decay`) and capped in total (`cap`).
///
/// `{"event": {"name": "Product Viewed"}, "points": 2, "cap": 30, "window": {"lastDays": 90},
/// "decay": {"everyDays": 30, "percent": 50}}`: two points per product view in the last 90 days,
/// halved for every full 30 days since the view, at most 30 points from views.
public struct ScoreRule: Sendable, Hashable {
    /// How an event's points fade: every full `everyDays` × 24 h of age takes `percent` % off what
    /// is left, in integers (truncated toward zero), so old behaviour fades out exactly to 0.
    public struct Decay: Sendable, Hashable {
        public var everyDays: Int
        public var percent: Int

        public init(everyDays: Int, percent: Int) {
            self.everyDays = everyDays
            self.percent = percent
        }

        /// `points` after `ageMicros` of fading; an event from the future has not faded.
        public func apply(to points: Int64, ageMicros: Int64) -> Int64 {
            guard ageMicros > 0 else { return points }
            var steps = ageMicros / (Int64(everyDays) * 86_400_000_000)
            var value = points
            // Each step shrinks a non-zero value by at least 1, so the loop ends within |points| steps.
            while steps > 0 && value != 0 {
                value = value * Int64(100 - percent) / 100
                steps -= 1
            }
            return value
        }
    }

    public var event: EventMatcher
    /// Points per matching event (negative for behaviour that lowers the score, e.g. unsubscribing).
    public var points: Int64
    /// The most this rule adds (or, for negative points, takes away) in total.
    public var cap: Int64?
    public var window: TimeWindow?
    public var decay: Decay?

    public init(event: EventMatcher, points: Int64, cap: Int64? = nil, window: TimeWindow? = nil, decay: Decay? = nil) {
        self.event = event
        self.points = points
        self.cap = cap
        self.window = window
        self.decay = decay
    }

    /// What the member's `events` add under this rule at `context.now`.
    public func contribution(_ events: [EventFact], context: EvaluationContext) -> Int64 {
        let bounds = window?.bounds(in: context) ?? .always
        var sum: Int64 = 0
        for event in events where self.event.matches(event) && bounds.contains(event.occurredAt) {
            sum += decay?.apply(to: points, ageMicros: context.now - event.occurredAt) ?? points
        }
        guard let cap else { return sum }
        return points >= 0 ? min(sum, cap) : max(sum, -cap)
    }
}
