public import Foundation
public import TesseraDomain

/// Behaviour score and lifecycle definitions per brand and members' current scores and stages
/// (SPEC §5).
public protocol ScoreStore: Sendable {
    /// Stores (or replaces) a definition; answers whether it is new.
    func saveScoreModel(_ model: ScoreModel, group: GroupID, brand: BrandID, at: Date) async throws -> Bool
    func saveLifecycleModel(_ model: LifecycleModel, group: GroupID, brand: BrandID, at: Date) async throws -> Bool
    func scoreModels(group: GroupID, brand: BrandID) async throws -> [ScoreModel]
    func lifecycleModels(group: GroupID, brand: BrandID) async throws -> [LifecycleModel]
    /// Deletes a definition and every member's value or stage of it; answers whether it existed.
    func deleteScoreModel(kind: ScoreModelKind, name: String, group: GroupID, brand: BrandID) async throws -> Bool
    /// Applies the derivation pass's changes in one transaction, emitting `lifecycle.changed` for
    /// each stage move that applied and a history row for each computed tag that changed;
    /// `tagSources` gives each tag definition's kind by name. Answers the members whose stage moved.
    func applyDerivedChanges(
        _ changes: [DerivedStateChange], tagSources: [String: TagDefinition.Kind], group: GroupID, brand: BrandID,
        at: Date
    ) async throws -> [MemberID]
    /// How many members have each value-bearing name: per score, members with a non-zero value and
    /// their sum; per lifecycle stage, members in it (`model` → `stage` → count).
    func scoreStatistics(group: GroupID, brand: BrandID) async throws
        -> (scores: [String: (members: Int64, sum: Int64)], stages: [String: [String: Int64]])
}

/// The two kinds of definition ``ScoreStore`` keeps.
public enum ScoreModelKind: String, Sendable, Hashable {
    case score, lifecycle
}
