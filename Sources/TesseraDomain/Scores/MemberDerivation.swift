/// Derives what a member's facts determine: behaviour scores first, then rule and behaviour tags
/// (whose rules may read the fresh scores), then lifecycle stages (which may read both). One pure
/// function for the real-time path and the scheduled full pass, so both give the same answer.
public struct MemberDerivation: Sendable {
    public var scores: [ScoreModel]
    /// Rule and behaviour tag definitions (others are ignored).
    public var tags: [TagDefinition]
    public var lifecycles: [LifecycleModel]
    public var context: EvaluationContext

    public init(
        scores: [ScoreModel], tags: [TagDefinition] = [], lifecycles: [LifecycleModel], context: EvaluationContext
    ) {
        self.scores = scores
        self.tags = tags.filter { $0.derivation != nil }
        self.lifecycles = lifecycles
        self.context = context
    }

    /// Whether there is anything to derive.
    public var isEmpty: Bool { scores.isEmpty && tags.isEmpty && lifecycles.isEmpty }

    /// What must be loaded to derive: events (for scores and behaviour tags) and whatever the tag and
    /// stage rules read.
    public var needs: SegmentRule.Needs {
        let rules = tags.compactMap { if case .rule(let rule) = $0.derivation { rule } else { nil } }
        var needs = SegmentRule.Needs.union(lifecycles.map(\.needs) + rules.map(\.needs))
        let behaviour = tags.contains { if case .behaviour = $0.derivation { true } else { false } }
        needs.events = needs.events || !scores.isEmpty || behaviour
        needs.scores = true
        needs.stages = true
        needs.tags = true
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
        for definition in tags {
            let wanted: Set<String>
            switch definition.derivation {
            case .rule(let rule)?: wanted = evaluator.matches(rule, derived) ? [definition.name] : []
            case .behaviour(let tagging)?: wanted = tagging.tags(member.events, context: context)
            case nil: continue
            }
            let previous = derived.derivedTags[definition.name] ?? []
            derived.tags.subtract(previous.subtracting(wanted))
            derived.tags.formUnion(wanted)
            derived.derivedTags[definition.name] = wanted.isEmpty ? nil : wanted
        }
        for model in lifecycles {
            derived.stages[model.name] = model.stage(of: derived, evaluator: evaluator)
        }
        return derived
    }
}
