public import Foundation
public import TesseraDomain

/// Segment evaluation over stored members (SPEC §6): the full computation compiles a rule to SQL
/// (``SegmentSQL``), the real-time path loads one member's facts for ``SegmentEvaluator``.
public protocol SegmentStore: Sendable {
    /// How many live members of `brand` match `rule`.
    func countMembers(matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext)
        async throws -> Int64
    /// Of the brand's live members in sample `buckets` (``SegmentEstimate``): how many there are,
    /// and how many match `rule` — each member's own rows probed, never the whole brand's.
    func sampleMembers(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, buckets: Range<Int64>
    ) async throws -> (sampled: Int64, matching: Int64)
    /// How many of the group's members (of every brand, merged ones too) are in sample buckets
    /// `0..<buckets`: a cheap gauge of the member base's size.
    func membersInSample(group: GroupID, buckets: Int64) async throws -> Int64
    /// Live members of `brand` matching `rule`, in id order after `cursor`, at most `limit`.
    func members(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, after cursor: MemberID?,
        limit: Int
    ) async throws -> [MemberID]
    /// What the in-memory evaluator needs about live members, by id (unknown and merged-away ones are
    /// absent); read in transactions of a few hundred members, one query per table each.
    func memberFacts(group: GroupID, brand: BrandID, members: [MemberID], needs: SegmentRule.Needs) async throws
        -> [MemberID: MemberFacts]
}

/// Stored segments and their memberships.
public protocol SegmentDefinitionStore: Sendable {
    /// Stores `segment` and computes its members in the same transaction (no events: nobody entered
    /// a segment that did not exist). A name already used in the brand is a conflict.
    func createSegment(_ segment: SegmentRecord, group: GroupID, context: EvaluationContext, at: Date) async throws
        -> SegmentRecord
    /// Stores a snapshot holding exactly `members` (a seeded sample, an imported list); members that
    /// are unknown, merged away or not known to the brand are left out.
    func createSnapshot(_ segment: SegmentRecord, members: [MemberID], group: GroupID, at: Date) async throws
        -> SegmentRecord
    func segments(group: GroupID, brand: BrandID) async throws -> [SegmentRecord]
    func segment(group: GroupID, brand: BrandID, id: String) async throws -> SegmentRecord?
    /// Removes the segment and its memberships.
    func deleteSegment(group: GroupID, brand: BrandID, id: String) async throws
    /// Recomputes a dynamic segment in full; emits `segment.entered` / `segment.exited` for the changes.
    func refreshSegment(_ segment: SegmentRecord, group: GroupID, context: EvaluationContext, at: Date) async throws
        -> SegmentChanges
    /// Members of a stored segment in id order after `cursor`.
    func segmentMembers(group: GroupID, segment: String, after cursor: MemberID?, limit: Int) async throws
        -> [MemberID]
    /// Each member's identifier value of `type` (the smallest, if several).
    func identifierValues(of members: [MemberID], type: String, group: GroupID) async throws -> [MemberID: String]
    /// The stored segments of `brand` the member is in.
    func segmentIDs(group: GroupID, brand: BrandID, member: MemberID) async throws -> Set<String>
    /// Enters and leaves dynamic segments for many members in one transaction; answers the
    /// memberships that really changed (a segment deleted meanwhile or a snapshot is never entered).
    func changeMemberships(_ changes: [SegmentMembershipChange], group: GroupID, at: Date) async throws
        -> SegmentMembershipChange.Applied
}

extension SegmentStore {
    /// One member's facts (`nil`: unknown or merged away).
    public func memberFacts(group: GroupID, brand: BrandID, member: MemberID, needs: SegmentRule.Needs) async throws
        -> MemberFacts?
    {
        try await memberFacts(group: group, brand: brand, members: [member], needs: needs)[member]
    }
}
