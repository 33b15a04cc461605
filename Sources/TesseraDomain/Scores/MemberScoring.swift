/// Derives a member's behaviour scores and lifecycle stages from their facts: scores first, then
/// the stages (whose rules may read the fresh scores). One pure function for the real-time path
/// and the scheduled full pass, so both give the same answer.
public struct MemberScoring: Sendable {
    public var scores: [ScoreModel]
    public var lifecycles: [LifecycleModel]
    public var context: EvaluationContext

    public init(scores: [ScoreModel], lifecycles: [LifecycleModel], context: EvaluationContext) {
        self.scores = scores
        self.lifecycles = lifecycles
        self.context = context
    }

    /// What must be loaded to derive: the events (for scores) and whatever the stage rules read.
    public var needs: SegmentRule.Needs {
        var needs = SegmentRule.Needs.union(lifecycles.map(\.needs))
        needs.events = needs.events || !scores.isEmpty
        needs.scores = true
        needs.stages = true
        return needs
    }

    /// `member` with the scores and stages of these models recomputed. A score of 0 and a member in
    /// no stage are absent, as they are stored. Values of other models are left as they are:
    /// deleting a model deletes its values, in the same transaction.
    public func derive(_ member: MemberFacts) -> MemberFacts {
        var derived = member
        for model in scores {
            let value = model.value(of: member.events, context: context)
            derived.scores[model.name] = value == 0 ? nil : value
        }
        let evaluator = SegmentEvaluator(context: context)
        for model in lifecycles {
            derived.stages[model.name] = model.stage(of: derived, evaluator: evaluator)
        }
        return derived
    }
}
