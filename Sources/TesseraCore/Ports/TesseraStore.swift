public import Foundation
public import TesseraDomain

/// Schema management.
public protocol SchemaStore: Sendable {
    /// Applies pending migrations in order; returns the ids applied by this call.
    @discardableResult func migrate() async throws -> [String]
}

/// Groups, brands, stores, staff and API keys (SPEC §1).
public protocol TenancyStore: Sendable {
    func groupIDs() async throws -> [GroupID]
    func createGroup(_ id: GroupID, name: String, policy: IdentityPolicy, at: Date) async throws
    func identityPolicy(group: GroupID) async throws -> IdentityPolicy
    func setIdentityPolicy(_ policy: IdentityPolicy, group: GroupID) async throws
    func createBrand(_ brand: Brand, at: Date) async throws
    func brands(group: GroupID) async throws -> [Brand]
    func createStore(group: GroupID, id: StoreID, brand: BrandID, code: String, name: String, city: String?, at: Date)
        async throws
    func createStaff(group: GroupID, id: StaffID, store: StoreID?, code: String, name: String, role: String, at: Date)
        async throws
    func stores(group: GroupID) async throws -> [StoreRecord]
    func staff(group: GroupID) async throws -> [StaffRecord]
    /// Declares a custom attribute for a brand; redeclaring with another type is a conflict.
    func defineAttribute(_ definition: AttributeDefinition, group: GroupID, brand: BrandID, at: Date) async throws
    func attributeDefinitions(group: GroupID, brand: BrandID) async throws -> [AttributeDefinition]
    func insertAPIKey(_ key: APIKeyRecord) async throws
    /// The key with this public prefix, in any group (the prefix is globally unique).
    func apiKey(prefix: String) async throws -> APIKeyRecord?
}

extension TenancyStore {
    /// The group's brand with this code, if any.
    public func brand(group: GroupID, code: String) async throws -> Brand? {
        try await brands(group: group).first { $0.code == code }
    }

    /// The group's store with this code, if any.
    public func store(group: GroupID, code: String) async throws -> StoreRecord? {
        try await stores(group: group).first { $0.code == code }
    }
}

/// Atomic batch ingest (events, identifies, member upserts, orders).
public protocol IngestStore: Sendable {
    /// Loads the identity snapshot for the identifiers of `messages` and which of their
    /// idempotency keys are already stored, asks `plan` what to write, and writes all of it in one
    /// transaction.
    ///
    /// `plan` may be called more than once when a concurrent writer forces a retry; it must be pure.
    func ingest(
        group: GroupID, messages: [IngestMessage], receivedAt: Date,
        plan: @escaping @Sendable (IdentitySnapshot, Set<String>) throws -> IngestPlan
    ) async throws -> IngestPlan
}

/// Member reads and explicit merges (SPEC §2, §3).
public protocol MemberStore: Sendable {
    func member(group: GroupID, id: MemberID) async throws -> MemberView?
    /// Whether the group has a member with this id (merged ones included): the cheap check of
    /// member-scoped routes, which need no 360 view.
    func memberExists(group: GroupID, id: MemberID) async throws -> Bool
    /// The owners of `identifiers` (those without one are absent), a few hundred per query.
    func memberIDs(group: GroupID, identifiers: [Identifier]) async throws -> [Identifier: MemberID]
    /// Events and orders, newest first, strictly older than `before`.
    func timeline(group: GroupID, member: MemberID, before: TimelineCursor?, limit: Int) async throws -> TimelinePage
    func mergeCandidates(group: GroupID, status: String, limit: Int) async throws -> [MergeCandidate]
    /// Undoes a merge: identifiers listed in its audit row, and the events and orders that
    /// originated with the merged member, go back to it; it becomes active again and both members'
    /// aggregates are recomputed. Throws `notFound`, or `conflict` when the merge was already undone
    /// or either member has since been merged elsewhere.
    func undoMerge(group: GroupID, id: String, at: Date) async throws -> MergeRecord
    /// Marks an open candidate as dismissed (the two members are different people).
    /// Throws `notFound` when there is no open candidate with this id.
    func dismissMergeCandidate(group: GroupID, id: String, at: Date) async throws
    /// Moves identifiers, events and orders of `merged` to `survivor`, marks `merged` as merged
    /// and records the audit row. Throws `notFound` or `conflict` (already merged, same member).
    func merge(
        group: GroupID, survivor: MemberID, merged: MemberID, actor: String, reason: String, id: String, at: Date
    ) async throws -> MergeRecord
}

/// Everything a Tessera server needs from its database. Implemented by the SQLite and
/// PostgreSQL adapters and checked by one contract suite.
public protocol TesseraStore: SchemaStore, TenancyStore, IngestStore, MemberStore, PointsStore, EarningStore,
    CouponStore, StoredValueStore, BenefitStore, SegmentStore, SegmentDefinitionStore, TagStore, RFMStore, ScoreStore,
    JourneyStore
{
    /// Cheap liveness check for `/healthz`.
    func ping() async throws
    /// Releases connections.
    func close() async throws
}

extension MemberStore {
    /// The owner of one identifier.
    public func memberID(group: GroupID, identifier: Identifier) async throws -> MemberID? {
        try await memberIDs(group: group, identifiers: [identifier])[identifier]
    }
}

extension MemberStore {
    /// The members an uploaded list names: member ids (`column` `member_id`, taken as given) or
    /// identifiers of one type (`column` `phone`, `email`, …, normalised as on ingest). Every value is
    /// checked first — one that is not an identifier of the type refuses the whole list, naming its
    /// line — then identifiers that match no member are counted as `unknown`.
    public func resolveList(column: String, values: [(line: Int, value: String)], group: GroupID) async throws
        -> (members: [MemberID], unknown: Int)
    {
        guard column != "member_id" else { return (values.map { MemberID($0.value) }, 0) }
        var identifiers: [Identifier] = []
        for (line, value) in values {
            do {
                identifiers.append(try Identifier.parse("\(column):\(value)"))
            } catch {
                throw TesseraError.invalid(field: "line \(line)", reason: "\(error)")
            }
        }
        let owners = try await memberIDs(group: group, identifiers: identifiers)
        var members: [MemberID] = []
        var unknown = 0
        for identifier in identifiers {
            if let member = owners[identifier] { members.append(member) } else { unknown += 1 }
        }
        return (members, unknown)
    }
}
