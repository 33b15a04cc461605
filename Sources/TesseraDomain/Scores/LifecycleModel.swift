/// A brand's lifecycle model (SPEC §5): ordered stages, each defined by a segment rule; a member is
/// in the first stage whose rule they match, or in none. Presets: AIPL (aware → interest → purchase
/// → loyal) and prospect → new → active → dormant → churned. A change of stage is recorded as a
/// `lifecycle.changed` event (journeys and segments react to it).
///
/// Stage rules may read scores (computed first) but not lifecycles or segments, which are derived
/// later from the same data: the order scores → lifecycles → segments has no cycles.
public struct LifecycleModel: Sendable, Hashable {
    /// One stage: its name and the rule that puts a member in it.
    public struct Stage: Sendable, Hashable {
        public var name: String
        public var rule: SegmentRule

        public init(name: String, rule: SegmentRule) {
            self.name = name
            self.rule = rule
        }
    }

    public var name: String
    public var description: String?
    public var stages: [Stage]

    public init(name: String, description: String? = nil, stages: [Stage]) {
        self.name = name
        self.description = description
        self.stages = stages
    }

    /// The member's stage: the first whose rule `evaluator` finds them matching.
    public func stage(of member: MemberFacts, evaluator: SegmentEvaluator) -> String? {
        stages.first { evaluator.matches($0.rule, member) }?.name
    }

    /// What the stage rules read, with the stored scores they may compare.
    public var needs: SegmentRule.Needs { .union(stages.map(\.rule.needs)) }
}
