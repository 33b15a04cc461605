public import Foundation
public import TesseraDomain

/// The Tessera store for any SQL database, written once against ``SQLDriver``.
///
/// The SQLite and PostgreSQL adapters only provide a driver; every query and every decision
/// lives here, so the contract suite checks one implementation on two engines.
public struct SQLTesseraStore: TesseraStore {
    public let driver: any SQLDriver
    let ids: any IDGenerator
    /// Points operations that arrive together run as one transaction (``PointsBatchProgram``).
    let pointsBatcher: RequestBatcher<PointsRequest, PointsOutcome>
    /// Coupon changes that arrive together run as one transaction (``CouponChangeProgram``).
    let couponBatcher: RequestBatcher<CouponChange, CouponOutcome>
    /// When to take PostgreSQL's statistics of the tables ingest grows again.
    let growth: GrowthStatistics
    /// Fewest members in each slice of a segment computation made in slices (``countMembers(matching:group:brand:context:)``).
    let sliceMembers: Int

    /// How many points batches (and, separately, coupon batches) run at once by default: one per
    /// processor, at least two.
    ///
    /// Fewer batches in flight make each one larger, so its round trips (on PostgreSQL two for a
    /// versioned points batch, four for coupons: `BEGIN`, lock, write, `COMMIT`) are shared by more
    /// operations; more batches keep more processors busy while others wait on a round trip. On 2
    /// cores, with PostgreSQL on the same machine, two runners redeem 10–15% more per second than
    /// four did, with a lower p99 (BENCHMARKS.md, session 30); SQLite, whose writer joins batches
    /// anyway, does not change.
    public static let defaultBatchRunners = max(2, ProcessInfo.processInfo.activeProcessorCount)

    /// - Parameters:
    ///   - firstAnalysis: messages ingested after which PostgreSQL's statistics of the member store
    ///     are first taken again (then after four times as many, and so on; see ``GrowthStatistics``).
    ///   - batchRunners: most points batches, and most coupon batches, running at once
    ///     (``RequestBatcher``).
    ///   - sliceMembers: fewest members of a group per slice when a segment's count, creation or
    ///     refresh is computed in slices on several connections at once (SQLite;
    ///     ``SegmentSQL/countsInSlices(_:group:brand:context:dialect:)``). Below about 50,000 members
    ///     a computation takes a few tens of milliseconds in one piece.
    public init(
        driver: any SQLDriver, ids: any IDGenerator = TimeOrderedIDGenerator(), firstAnalysis: Int = 1_000,
        batchRunners: Int = defaultBatchRunners, sliceMembers: Int = 50_000
    ) {
        self.driver = driver
        self.ids = ids
        self.sliceMembers = sliceMembers
        self.growth = GrowthStatistics(firstThreshold: firstAnalysis)
        self.pointsBatcher = RequestBatcher(maximumBatch: PointsBatchProgram.largestBatch, runners: batchRunners) {
            requests in
            await Self.applyPoints(together: requests, driver: driver, ids: ids)
        }
        self.couponBatcher = RequestBatcher(maximumBatch: PointsBatchProgram.largestBatch, runners: batchRunners) {
            changes in
            await Self.changeCoupons(together: changes, driver: driver)
        }
    }

    private func query<Output: Sendable>(
        _ sql: String, _ arguments: [SQLValue], map: @escaping @Sendable ([SQLRow]) throws -> Output
    ) async throws -> Output {
        try await driver.run(QueryProgram(SQLStatement(sql, arguments), map: map), writes: false)
    }

    private func execute(_ statements: [SQLStatement]) async throws {
        try await driver.run(ExecuteProgram(statements), writes: true)
    }

    // MARK: Schema

    @discardableResult public func migrate() async throws -> [String] {
        try await driver.run(
            MigrationProgram(dialect: driver.dialect, migrations: Migrations.all, at: Date()), writes: true)
    }

    public func ping() async throws {
        _ = try await query("SELECT 1", []) { $0 }
    }

    public func close() async throws { try await driver.close() }

    // MARK: Tenancy

    public func groupIDs() async throws -> [GroupID] {
        try await query("SELECT group_id FROM groups ORDER BY group_id", []) { rows in
            rows.compactMap { $0.text(0).map { GroupID($0) } }
        }
    }

    public func createGroup(_ id: GroupID, name: String, policy: IdentityPolicy, at: Date) async throws {
        try await execute([
            SQLStatement(
                "INSERT INTO groups (group_id, name, identity_policy, created_at) VALUES (?, ?, ?::jsonb, ?)",
                [.text(id.rawValue), .text(name), .text(try Self.encode(policy)), .int(Timestamp.micros(at))])
        ])
    }

    public func identityPolicy(group: GroupID) async throws -> IdentityPolicy {
        let text = try await query(
            "SELECT CAST(identity_policy AS TEXT) FROM groups WHERE group_id = ?", [.text(group.rawValue)]
        ) { $0.first?.text(0) }
        guard let text else { throw TesseraError.notFound("group \(group) not found") }
        return try JSONDecoder().decode(IdentityPolicy.self, from: Data(text.utf8))
    }

    public func setIdentityPolicy(_ policy: IdentityPolicy, group: GroupID) async throws {
        try await execute([
            SQLStatement(
                "UPDATE groups SET identity_policy = ?::jsonb WHERE group_id = ?",
                [.text(try Self.encode(policy)), .text(group.rawValue)])
        ])
    }

    public func createBrand(_ brand: Brand, at: Date) async throws {
        try await execute([
            SQLStatement(
                "INSERT INTO brands (group_id, id, code, name, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    .text(brand.groupID.rawValue), .text(brand.id.rawValue), .text(brand.code), .text(brand.name),
                    .int(Timestamp.micros(at)),
                ])
        ])
    }

    public func brands(group: GroupID) async throws -> [Brand] {
        try await query("SELECT id, code, name FROM brands WHERE group_id = ? ORDER BY code", [.text(group.rawValue)]) {
            rows in
            rows.map {
                Brand(id: BrandID($0.text(0) ?? ""), groupID: group, code: $0.text(1) ?? "", name: $0.text(2) ?? "")
            }
        }
    }

    public func createStore(
        group: GroupID, id: StoreID, brand: BrandID, code: String, name: String, city: String?, at: Date
    ) async throws {
        try await execute([
            SQLStatement(
                "INSERT INTO stores (group_id, id, brand_id, code, name, city, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(group.rawValue), .text(id.rawValue), .text(brand.rawValue), .text(code), .text(name),
                    .optional(city), .int(Timestamp.micros(at)),
                ])
        ])
    }

    public func createStaff(
        group: GroupID, id: StaffID, store: StoreID?, code: String, name: String, role: String, at: Date
    ) async throws {
        try await execute([
            SQLStatement(
                "INSERT INTO staff (group_id, id, store_id, code, name, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(group.rawValue), .text(id.rawValue), .optional(store?.rawValue), .text(code), .text(name),
                    .text(role), .int(Timestamp.micros(at)),
                ])
        ])
    }

    public func stores(group: GroupID) async throws -> [StoreRecord] {
        try await query(
            "SELECT id, brand_id, code, name, city FROM stores WHERE group_id = ? ORDER BY code",
            [.text(group.rawValue)]
        ) {
            rows in
            rows.map {
                StoreRecord(
                    id: StoreID($0.text(0) ?? ""), brandID: BrandID($0.text(1) ?? ""), code: $0.text(2) ?? "",
                    name: $0.text(3) ?? "", city: $0.text(4))
            }
        }
    }

    public func staff(group: GroupID) async throws -> [StaffRecord] {
        try await query(
            "SELECT id, store_id, code, name, role FROM staff WHERE group_id = ? ORDER BY code", [.text(group.rawValue)]
        ) {
            rows in
            rows.map {
                StaffRecord(
                    id: StaffID($0.text(0) ?? ""), storeID: $0.text(1).map { StoreID($0) }, code: $0.text(2) ?? "",
                    name: $0.text(3) ?? "", role: $0.text(4) ?? "")
            }
        }
    }

    public func defineAttribute(_ definition: AttributeDefinition, group: GroupID, brand: BrandID, at: Date)
        async throws
    {
        try await execute([
            SQLStatement(
                """
                INSERT INTO attribute_definitions (group_id, brand_id, name, type, created_at) VALUES (?, ?, ?, ?, ?)
                """,
                [
                    .text(group.rawValue), .text(brand.rawValue), .text(definition.name),
                    .text(definition.type.rawValue),
                    .int(Timestamp.micros(at)),
                ])
        ])
    }

    public func attributeDefinitions(group: GroupID, brand: BrandID) async throws -> [AttributeDefinition] {
        try await query(
            "SELECT name, type FROM attribute_definitions WHERE group_id = ? AND brand_id = ? ORDER BY name",
            [.text(group.rawValue), .text(brand.rawValue)]
        ) { rows in
            rows.compactMap { row in
                AttributeDefinition.ValueType(rawValue: row.text(1) ?? "").map {
                    AttributeDefinition(name: row.text(0) ?? "", type: $0)
                }
            }
        }
    }

    public func insertAPIKey(_ key: APIKeyRecord) async throws {
        try await execute([
            SQLStatement(
                """
                INSERT INTO api_keys (group_id, id, brand_id, name, prefix, secret_hash, scopes, created_at) \
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(key.groupID.rawValue), .text(key.id.rawValue), .text(key.brandID.rawValue), .text(key.name),
                    .text(key.prefix), .text(key.secretHash),
                    .text(key.scopes.map(\.rawValue).sorted().joined(separator: ",")),
                    .int(Timestamp.micros(key.createdAt)),
                ])
        ])
    }

    public func apiKey(prefix: String) async throws -> APIKeyRecord? {
        try await query(
            """
            SELECT group_id, id, brand_id, name, prefix, secret_hash, scopes, created_at, revoked_at \
            FROM api_keys WHERE prefix = ?
            """, [.text(prefix)]
        ) { rows in
            rows.first.map { row in
                APIKeyRecord(
                    id: APIKeyID(row.text(1) ?? ""), groupID: GroupID(row.text(0) ?? ""),
                    brandID: BrandID(row.text(2) ?? ""),
                    name: row.text(3) ?? "", prefix: row.text(4) ?? "", secretHash: row.text(5) ?? "",
                    scopes: Set((row.text(6) ?? "").split(separator: ",").compactMap { Scope(rawValue: String($0)) }),
                    createdAt: Timestamp.date(row.int(7) ?? 0), revokedAt: row.int(8).map(Timestamp.date))
            }
        }
    }

    // MARK: Ingest

    public func ingest(
        group: GroupID, messages: [IngestMessage], receivedAt: Date,
        plan: @escaping @Sendable (IdentitySnapshot, Set<String>) throws -> IngestPlan
    ) async throws -> IngestPlan {
        let orderKeys = messages.compactMap { message in
            message.order.map {
                IngestProgram.OrderKey(brand: message.brandID?.rawValue ?? "", externalID: $0.externalID)
            }
        }
        let program = IngestProgram(
            dialect: driver.dialect, group: group, identifiersByMessage: messages.map(\.identifiers),
            keys: messages.map(\.idempotencyKey), orderKeys: orderKeys, receivedAt: receivedAt, ids: ids,
            eventNames: Set(messages.compactMap(\.eventName)), plan: plan)
        let written = try await driver.run(program, writes: true)
        if driver.dialect == .postgres, growth.recorded(messages.count) {
            // Off the caller's path: on a database of 1M members and 20M events it takes 1.7–2.8 s,
            // and only the planner needs it. Best effort: autovacuum analyses later anyway.
            let driver = driver
            Task {
                let analyze = SQLStatement("ANALYZE " + GrowthStatistics.tables.joined(separator: ", "), [])
                try? await driver.run(ExecuteProgram([analyze]), writes: true)
            }
        }
        return written
    }

    // MARK: Members

    public func memberExists(group: GroupID, id: MemberID) async throws -> Bool {
        try await driver.run(
            QueryProgram(MemberCheckSQL.select(group: group, member: id), map: { !$0.isEmpty }), writes: false)
    }

    public func member(group: GroupID, id: MemberID) async throws -> MemberView? {
        try await driver.run(MemberViewSQL.program(group: group, member: id, dialect: driver.dialect), writes: false)
    }

    public func memberIDs(group: GroupID, identifiers: [Identifier]) async throws -> [Identifier: MemberID] {
        var owners: [Identifier: MemberID] = [:]
        for (type, ofType) in Dictionary(grouping: Set(identifiers), by: \.type) {
            for chunk in SQLBuilder.chunks(ofType, largest: 500) {
                let rows = try await query(
                    """
                    SELECT value, member_id FROM member_identifiers WHERE group_id = ? AND type = ? \
                    AND value IN (\(SQLBuilder.markers(chunk.count)))
                    """, [.text(group.rawValue), .text(type.rawValue)] + chunk.map { .text($0.value) }
                ) { $0 }
                for row in rows {
                    guard let value = row.text(0), let member = row.text(1) else { continue }
                    owners[Identifier(storedType: type, storedValue: value)] = MemberID(member)
                }
            }
        }
        return owners
    }

    public func timeline(group: GroupID, member: MemberID, before: TimelineCursor?, limit: Int) async throws
        -> TimelinePage
    {
        try await query(
            StoreSQL.selectTimeline(driver.dialect),
            StoreSQL.timelineArguments(group: group, member: member, before: before, limit: limit + 1)
        ) { rows in
            let entries = rows.prefix(limit).map { row in
                TimelineEntry(
                    source: row.text(0) ?? "", id: row.text(1) ?? "", occurredAt: Timestamp.date(row.int(2) ?? 0),
                    type: row.text(3) ?? "", name: row.text(4), channel: row.text(5) ?? "",
                    details: row.text(6).flatMap { try? JSONValue.parse($0) } ?? .object([:]))
            }
            let next = rows.count > limit ? rows[limit - 1] : nil
            return TimelinePage(
                entries: entries,
                nextCursor: next.map { TimelineCursor(occurredAtMicros: $0.int(2) ?? 0, id: $0.text(1) ?? "").token })
        }
    }

    public func mergeCandidates(group: GroupID, status: String, limit: Int) async throws -> [MergeCandidate] {
        try await query(
            """
            SELECT id, member_id, other_member_id, identifier, reason, status, created_at FROM merge_candidates \
            WHERE group_id = ? AND status = ? ORDER BY created_at DESC, id DESC LIMIT ?
            """, [.text(group.rawValue), .text(status), .int(Int64(limit))]
        ) { rows in
            rows.map { row in
                MergeCandidate(
                    id: row.text(0) ?? "", memberID: MemberID(row.text(1) ?? ""),
                    otherMemberID: MemberID(row.text(2) ?? ""),
                    identifier: row.text(3) ?? "", reason: row.text(4) ?? "", status: row.text(5) ?? "",
                    createdAt: Timestamp.date(row.int(6) ?? 0))
            }
        }
    }

    public func undoMerge(group: GroupID, id: String, at: Date) async throws -> MergeRecord {
        try await driver.run(UndoMergeProgram(group: group, id: id, at: at, dialect: driver.dialect), writes: true)
    }

    public func dismissMergeCandidate(group: GroupID, id: String, at: Date) async throws {
        let statement = SQLStatement(
            "UPDATE merge_candidates SET status = 'dismissed', resolved_at = ? WHERE group_id = ? AND id = ? AND status = 'open'",
            [.int(Timestamp.micros(at)), .text(group.rawValue), .text(id)])
        let dismissed = try await driver.run(
            DismissProgram(
                update: statement,
                check: SQLStatement(
                    "SELECT status FROM merge_candidates WHERE group_id = ? AND id = ?",
                    [.text(group.rawValue), .text(id)])),
            writes: true)
        guard dismissed else { throw TesseraError.notFound("no open merge candidate \(id)") }
    }

    public func merge(
        group: GroupID, survivor: MemberID, merged: MemberID, actor: String, reason: String, id: String, at: Date
    ) async throws -> MergeRecord {
        try await driver.run(
            MergeProgram(
                dialect: driver.dialect, group: group, survivor: survivor, merged: merged, actor: actor, reason: reason,
                id: id, at: at), writes: true)
    }

    static func encode(_ policy: IdentityPolicy) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(policy), as: UTF8.self)
    }
}
