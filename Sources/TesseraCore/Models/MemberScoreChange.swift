public import TesseraDomain

/// What the scoring pass found different for one member: scores to set (`nil` removes a score that
/// fell to 0) and stage moves, each from the stage it read (so a concurrent pass that already moved
/// the member makes this move a no-op instead of announcing it twice).
public struct MemberScoreChange: Sendable, Hashable {
    /// One stage move of one lifecycle model.
    public struct Move: Sendable, Hashable {
        public var model: String
        public var from: String?
        public var to: String?

        public init(model: String, from: String?, to: String?) {
            self.model = model
            self.from = from
            self.to = to
        }
    }

    public var member: MemberID
    public var scores: [String: Int64?]
    public var moves: [Move]

    public init(member: MemberID, scores: [String: Int64?], moves: [Move]) {
        self.member = member
        self.scores = scores
        self.moves = moves
    }

    /// The change from `stored` to `derived` (same member), or nil when nothing differs.
    public init?(from stored: MemberFacts, to derived: MemberFacts) {
        var scores: [String: Int64?] = [:]
        for name in Set(stored.scores.keys).union(derived.scores.keys) where stored.scores[name] != derived.scores[name]
        {
            scores[name] = .some(derived.scores[name])
        }
        let moves = Set(stored.stages.keys).union(derived.stages.keys).sorted().compactMap { model in
            stored.stages[model] == derived.stages[model]
                ? nil : Move(model: model, from: stored.stages[model], to: derived.stages[model])
        }
        guard !scores.isEmpty || !moves.isEmpty else { return nil }
        self.init(member: MemberID(derived.id), scores: scores, moves: moves)
    }
}
