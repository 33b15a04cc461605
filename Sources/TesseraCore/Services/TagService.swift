public import Foundation
public import TesseraDomain

/// Tagging use cases: the catalogue, manual tags for one member or many, and their history.
/// Lifecycle stages and dynamic segments whose rules read tags follow each change at once.
public struct TagService: Sendable {
    public let store: any TagStore
    let scores: ScoreService
    /// Most members one request tags (the CSV import sends larger lists in pages).
    public static let maximumMembers = 1_000

    public init(store: any TagStore, scores: ScoreService) {
        self.store = store
        self.scores = scores
    }

    /// Tags or untags `members`; answers who changed. `actor` is the key or journey responsible.
    public func change(
        _ tag: String, adding: Bool, members: [MemberID], group: GroupID, brand: BrandID, source: String = "manual",
        actor: String, at: Date = Date()
    ) async throws -> [MemberID] {
        guard members.count <= Self.maximumMembers else {
            throw TesseraError.invalid(field: "$.members", reason: "at most \(Self.maximumMembers) members per request")
        }
        let changed = try await store.changeTag(
            tag, adding: adding, members: members, group: group, brand: brand, source: source, actor: actor, at: at)
        try await scores.membersChanged(Set(changed), group: group, brand: brand, at: at)
        return changed
    }
}
