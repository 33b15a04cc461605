/// A segment rule: the one typed language behind segments, rule tags and journey filters.
///
/// The same value is compiled to SQL for a full computation and evaluated in memory against one
/// member's ``MemberFacts`` for the real-time path; both give the same answer (a differential
/// property test holds them to it). Conditions on a missing value are false, never unknown, so
/// `not` is plain negation in both evaluators.
///
/// JSON (see ``SegmentRuleParser``): `{"and": [{"compare": {"field": "city", "op": "=", "value":
/// "Shanghai"}}, {"purchase": {"category": "skincare", "window": {"lastDays": 90}, "count": {"op": ">=",
/// "value": 2}}}]}`.
public indirect enum SegmentRule: Sendable, Hashable {
    /// Every rule holds (an empty list is true).
    case and([SegmentRule])
    /// At least one rule holds (an empty list is false).
    case or([SegmentRule])
    case not(SegmentRule)
    /// A profile field, aggregate, loyalty asset or custom attribute compared with a value.
    case compare(FieldComparison)
    /// "did E [where properties] [on channel] n times within a window".
    case event(EventCondition)
    /// Valid purchases (paid, not wholly refunded) of the brand, optionally of a category, SKU,
    /// product or product brand, in a channel or store, counted or summed within a window.
    case purchase(PurchaseCondition)
    /// "did A and (not) B within N after A".
    case sequence(SequenceCondition)
    /// The member carries this tag.
    case tag(String)
    /// The member is in the stored segment with this id: with `and`, `or` and `not`, the set
    /// operations (intersection, union, exclusion) over segments.
    case segment(String)
    /// The birthday falls on today or one of the next `days − 1` days in the brand's time zone.
    case birthday(days: Int)
    /// The points of the brand that expire within `days` × 24 h from now, compared with a number.
    case pointsExpiring(days: Int, NumberTest)
    /// The member's value of a named behaviour score (``ScoreModel``), compared with a number; a
    /// member the score has never counted has 0.
    case score(String, NumberTest)
    /// The member is in this stage of a lifecycle model (``LifecycleModel``).
    case lifecycle(model: String, stage: String)
    /// The member's RFM group (``RFMGroup``) from the brand's latest RFM computation.
    case rfm(RFMGroup)
}

/// A comparison operator on numbers (counts, amounts, points).
public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    public func holds<Number: Comparable>(_ left: Number, _ right: Number) -> Bool {
        switch self {
        case .equal: left == right
        case .notEqual: left != right
        case .less: left < right
        case .lessOrEqual: left <= right
        case .greater: left > right
        case .greaterOrEqual: left >= right
        }
    }
}

/// `op value`, e.g. `>= 2`: how a count, a sum or a number must compare.
public struct NumberTest: Sendable, Hashable {
    public var op: ComparisonOperator
    public var value: Int64

    public init(_ op: ComparisonOperator, _ value: Int64) {
        self.op = op
        self.value = value
    }

    /// At least once.
    public static let atLeastOnce = NumberTest(.greaterOrEqual, 1)

    public func holds(_ number: Int64) -> Bool { op.holds(number, value) }
}
