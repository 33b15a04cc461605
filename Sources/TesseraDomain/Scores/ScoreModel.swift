/// A named behaviour score of a brand (SPEC §5), e.g. the AIPL engagement score: the sum of its
/// rules' contributions over the member's events, kept within `minimum`…`maximum`.
///
/// Scores are computed, never entered: the real-time path recomputes a member's scores when their
/// events arrive, and a scheduled pass recomputes everyone (windows and decay change with time).
/// Segment rules read them with `{"score": {"name": "engagement", "op": ">=", "value": 50}}`.
public struct ScoreModel: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var rules: [ScoreRule]
    public var minimum: Int64?
    public var maximum: Int64?

    public init(
        name: String, description: String? = nil, rules: [ScoreRule], minimum: Int64? = nil, maximum: Int64? = nil
    ) {
        self.name = name
        self.description = description
        self.rules = rules
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The member's score at `context.now` from their events of the brand.
    public func value(of events: [EventFact], context: EvaluationContext) -> Int64 {
        var total = rules.reduce(Int64(0)) { $0 + $1.contribution(events, context: context) }
        if let minimum { total = max(total, minimum) }
        if let maximum { total = min(total, maximum) }
        return total
    }
}
