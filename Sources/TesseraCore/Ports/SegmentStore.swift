public import TesseraDomain

/// Segment evaluation over stored members (SPEC §6): the full computation compiles a rule to SQL
/// (``SegmentSQL``), the real-time path loads one member's facts for ``SegmentEvaluator``.
public protocol SegmentStore: Sendable {
    /// How many live members of `brand` match `rule`.
    func countMembers(matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext)
        async throws -> Int64
    /// Live members of `brand` matching `rule`, in id order after `cursor`, at most `limit`.
    func members(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, after cursor: MemberID?,
        limit: Int
    ) async throws -> [MemberID]
    /// What the in-memory evaluator needs about one live member (`nil`: unknown or merged away).
    func memberFacts(group: GroupID, brand: BrandID, member: MemberID, needs: SegmentRule.Needs) async throws
        -> MemberFacts?
}
