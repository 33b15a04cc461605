public import Foundation
public import TesseraDomain

/// The tag catalogue and members' tags with their history (SPEC §5).
public protocol TagStore: Sendable {
    /// Adds a tag to the brand's catalogue; a name already there is a conflict.
    func defineTag(_ tag: TagDefinition, group: GroupID, brand: BrandID, at: Date) async throws
    /// The catalogue with how many members carry each tag.
    func tags(group: GroupID, brand: BrandID) async throws -> [(definition: TagDefinition, members: Int64)]
    /// Tags (or untags) `members` in one transaction; answers the members whose tags changed.
    /// `tag_not_found` when the tag is not catalogued, `tag_is_computed` for a rule or behaviour tag.
    func changeTag(
        _ tag: String, adding: Bool, members: [MemberID], group: GroupID, brand: BrandID, source: String,
        actor: String, at: Date
    ) async throws -> [MemberID]
    /// Removes a tag from the catalogue and from every member (for a behaviour definition, every tag
    /// it gave), with a history row per member; answers whether it existed.
    func deleteTag(_ name: String, group: GroupID, brand: BrandID, actor: String, at: Date) async throws -> Bool
    func memberTags(group: GroupID, brand: BrandID, member: MemberID) async throws -> [AppliedTag]
    /// The member's tag changes, newest first: `(tag, action, source, actor, at)`.
    func tagHistory(group: GroupID, brand: BrandID, member: MemberID, limit: Int) async throws
        -> [(tag: String, action: String, source: String, actor: String, at: Date)]
}
