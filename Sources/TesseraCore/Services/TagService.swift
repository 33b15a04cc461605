public import Foundation
public import TesseraDomain

/// Tagging use cases: the catalogue, manual tags for one member or many, and their history.
/// Lifecycle stages and dynamic segments whose rules read tags follow each change at once.
public struct TagService: Sendable {
    public let store: any TagStore & MemberStore
    public let derived: DerivedStateService
    /// Most members one request tags (the CSV import sends larger lists in pages).
    public static let maximumMembers = 1_000

    public init(store: any TagStore & MemberStore, derived: DerivedStateService) {
        self.store = store
        self.derived = derived
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
        try await derived.membersChanged(Set(changed), group: group, brand: brand, at: at)
        return changed
    }

    /// Tags the members an uploaded list names (member ids or identifiers of one type, see
    /// ``MemberStore/resolveList(column:values:group:)``), 1,000 per transaction; a retry after a
    /// failure re-tags nobody twice. Answers how many were newly tagged and how many values matched
    /// no member.
    public func importList(
        _ tag: String, column: String, values: [(line: Int, value: String)], group: GroupID, brand: BrandID,
        actor: String, at: Date = Date()
    ) async throws -> (tagged: Int, unknown: Int) {
        let (members, unknown) = try await store.resolveList(column: column, values: values, group: group)
        var tagged = 0
        var seen: Set<MemberID> = []
        let unique = members.filter { seen.insert($0).inserted }
        for start in stride(from: 0, to: max(unique.count, 1), by: Self.maximumMembers) {
            let page = Array(unique[start..<min(start + Self.maximumMembers, unique.count)])
            tagged += try await change(
                tag, adding: true, members: page, group: group, brand: brand, source: "import", actor: actor, at: at
            ).count
        }
        return (tagged, unknown)
    }
}
