public import TesseraDomain

/// What the derivation pass found different for one member: scores to set (`nil` removes a score
/// that fell to 0), computed tags to add and remove, and stage moves — each from the stage it read,
/// so a concurrent pass that already moved the member makes this move a no-op instead of
/// announcing it twice.
public struct DerivedStateChange: Sendable, Hashable {
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

    /// A tag a rule or behaviour tag definition (`owner`) gives or takes away.
    public struct OwnedTag: Sendable, Hashable {
        public var owner: String
        public var tag: String

        public init(owner: String, tag: String) {
            self.owner = owner
            self.tag = tag
        }
    }

    public var member: MemberID
    public var scores: [String: Int64?]
    public var addedTags: [OwnedTag]
    public var removedTags: [OwnedTag]
    public var moves: [Move]

    public init(
        member: MemberID, scores: [String: Int64?], addedTags: [OwnedTag] = [], removedTags: [OwnedTag] = [],
        moves: [Move]
    ) {
        self.member = member
        self.scores = scores
        self.addedTags = addedTags
        self.removedTags = removedTags
        self.moves = moves
    }

    /// The change from `stored` to `derived` (same member), or nil when nothing differs.
    public init?(from stored: MemberFacts, to derived: MemberFacts) {
        var scores: [String: Int64?] = [:]
        for name in Set(stored.scores.keys).union(derived.scores.keys)
        where stored.scores[name] != derived.scores[name] {
            scores[name] = .some(derived.scores[name])
        }
        var added: [OwnedTag] = []
        var removed: [OwnedTag] = []
        for owner in Set(stored.derivedTags.keys).union(derived.derivedTags.keys).sorted() {
            let (before, after) = (stored.derivedTags[owner] ?? [], derived.derivedTags[owner] ?? [])
            added += after.subtracting(before).sorted().map { OwnedTag(owner: owner, tag: $0) }
            removed += before.subtracting(after).sorted().map { OwnedTag(owner: owner, tag: $0) }
        }
        let moves = Set(stored.stages.keys).union(derived.stages.keys).sorted().compactMap { model in
            stored.stages[model] == derived.stages[model]
                ? nil : Move(model: model, from: stored.stages[model], to: derived.stages[model])
        }
        guard !scores.isEmpty || !added.isEmpty || !removed.isEmpty || !moves.isEmpty else { return nil }
        self.init(member: MemberID(derived.id), scores: scores, addedTags: added, removedTags: removed, moves: moves)
    }
}
