public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func countMembers(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext
    ) async throws -> Int64 {
        let dialect = driver.dialect
        let slices = try await sliced(rule, group: group, brand: brand, context: context) { from, before in
            SegmentSQL.count(
                rule, group: group, brand: brand, context: context, dialect: dialect, from: from, before: before)
        }
        if let slices {
            return try await driver.runSlices(slices).reduce(0) { $0 + ($1.first?.int(0) ?? 0) }
        }
        let statement = SegmentSQL.count(rule, group: group, brand: brand, context: context, dialect: dialect)
        return try await driver.run(QueryProgram(statement) { $0.first?.int(0) ?? 0 }, writes: false)
    }

    /// `statement` over each slice of the group's members by id (from, before; `nil`: unbounded), when
    /// a computation of `rule` is better made in slices at once (SQLite,
    /// ``SegmentSQL/countsInSlices(_:group:brand:context:dialect:)``) and the group is large enough
    /// to cut; `nil` otherwise.
    private func sliced(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext,
        _ statement: (String?, String?) -> SQLStatement
    ) async throws -> [SQLStatement]? {
        guard driver.sliceReaders > 1,
            SegmentSQL.countsInSlices(rule, group: group, brand: brand, context: context, dialect: driver.dialect),
            let cuts = try await sliceCuts(group: group)
        else { return nil }
        return zip([nil] + cuts, cuts + [nil]).map { statement($0, $1) }
    }

    /// The ids that cut the group's members into slices of about equal size, one slice per reader
    /// of ``SQLDriver/sliceReaders``; `nil` when the group has too few members for slices of
    /// ``sliceMembers`` to pay for their connections. Read from the lowest sample buckets.
    private func sliceCuts(group: GroupID) async throws -> [String]? {
        let limit = 1_024
        let sample = try await driver.run(
            QueryProgram(SegmentSQL.bucketSample(group: group, limit: limit)) { rows in
                rows.compactMap { row in row.text(0).map { (id: $0, bucket: row.int(1) ?? 0) } }
            }, writes: false)
        guard let highest = sample.last?.bucket else { return nil }
        // A full sample holds the buckets up to its last; a short one, every indexed bucket.
        let buckets = sample.count < limit ? SegmentEstimate.indexedBuckets : highest + 1
        let members = Int64(sample.count) * SegmentEstimate.buckets / max(buckets, 1)
        let slices = min(Int64(driver.sliceReaders), members / Int64(max(sliceMembers, 1)))
        guard slices > 1 else { return nil }
        let ids = sample.map(\.id).sorted()
        return (1..<Int(slices)).map { ids[$0 * ids.count / Int(slices)] }
    }

    public func sampleMembers(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, buckets: Range<Int64>
    ) async throws -> (sampled: Int64, matching: Int64) {
        let statement = SegmentSQL.sample(
            rule, group: group, brand: brand, context: context, dialect: driver.dialect, buckets: buckets)
        return try await driver.run(
            QueryProgram(statement) { ($0.first?.int(0) ?? 0, $0.first?.int(1) ?? 0) }, writes: false)
    }

    public func membersInSample(group: GroupID, buckets: Int64) async throws -> Int64 {
        let statement = SQLStatement(
            "SELECT COUNT(*) FROM members m WHERE m.group_id = ? AND \(SegmentSQL.sampleBuckets(0..<buckets))",
            [.text(group.rawValue), .int(0), .int(buckets)])
        return try await driver.run(QueryProgram(statement) { $0.first?.int(0) ?? 0 }, writes: false)
    }

    public func members(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, after cursor: MemberID?,
        limit: Int
    ) async throws -> [MemberID] {
        let statement = SegmentSQL.members(
            rule, group: group, brand: brand, context: context, dialect: driver.dialect, after: cursor?.rawValue,
            limit: limit)
        return try await driver.run(
            QueryProgram(statement) { $0.compactMap { $0.text(0).map { MemberID($0) } } }, writes: false)
    }

    public func memberFacts(group: GroupID, brand: BrandID, members: [MemberID], needs: SegmentRule.Needs)
        async throws -> [MemberID: MemberFacts]
    {
        var facts: [MemberID: MemberFacts] = [:]
        for chunk in SQLBuilder.chunks(Array(Set(members)), largest: MemberFactsSQL.largestBatch(driver.dialect)) {
            let read = try await driver.run(
                MemberFactsSQL.program(
                    group: group, brand: brand, members: Array(chunk), needs: needs, dialect: driver.dialect),
                writes: false)
            facts.merge(read) { first, _ in first }
        }
        return facts
    }
}

extension SQLTesseraStore {
    /// The member count is counted, not stored: merges and deletions end memberships too, and a
    /// count over the membership key is an index range.
    static let segmentColumns = """
        id, brand_id, name, kind, CAST(rule AS TEXT), (SELECT COUNT(*) FROM segment_members x \
        WHERE x.group_id = segments.group_id AND x.segment_id = segments.id), computed_at, created_at
        """

    static func segmentRecord(_ row: SQLRow) throws -> SegmentRecord {
        let rule = try SegmentRuleParser.parse(try JSONParser.parse(Array((row.text(4) ?? "").utf8)))
        return SegmentRecord(
            id: row.text(0) ?? "", brandID: BrandID(row.text(1) ?? ""), name: row.text(2) ?? "",
            kind: SegmentRecord.Kind(rawValue: row.text(3) ?? "") ?? .dynamic, rule: rule,
            memberCount: row.int(5) ?? 0, computedAt: row.int(6).map(Timestamp.date),
            createdAt: Timestamp.date(row.int(7) ?? 0))
    }

    public func createSegment(_ segment: SegmentRecord, group: GroupID, context: EvaluationContext, at: Date)
        async throws -> SegmentRecord
    {
        let dialect = driver.dialect
        let eventPrefix = ids.next()
        let claim = Self.claimName(segment, group: group, at: at)
        let changes = try await computeSegment(segment, group: group, context: context) { listed in
            ChainedProgram(claim) { _ in
                SegmentRefreshProgram(
                    segment: segment, group: group, context: context, dialect: dialect, at: at, isCreation: true,
                    eventPrefix: eventPrefix, matchingLists: listed)
            }
        }
        var created = segment
        created.memberCount = changes.memberCount
        created.computedAt = at
        created.createdAt = at
        return created
    }

    public func createSnapshot(_ segment: SegmentRecord, members: [MemberID], group: GroupID, at: Date) async throws
        -> SegmentRecord
    {
        let (g, s, now) = (SQLValue.text(group.rawValue), SQLValue.text(segment.id), SQLValue.int(Timestamp.micros(at)))
        let inserts = SQLBuilder.chunks(members, largest: 500).map { chunk in
            SQLStatement(
                """
                INSERT INTO segment_members (group_id, segment_id, member_id, entered_at) SELECT m.group_id, ?, m.id, ? \
                FROM members m WHERE m.group_id = ? AND m.merged_into IS NULL AND m.id IN \
                (\(SQLBuilder.markers(chunk.count))) AND EXISTS (SELECT 1 FROM member_brands mb WHERE \
                mb.group_id = m.group_id AND mb.member_id = m.id AND mb.brand_id = ?) \
                ON CONFLICT (segment_id, member_id, group_id) DO NOTHING
                """, [s, now, g] + chunk.map { .text($0.rawValue) } + [.text(segment.brandID.rawValue)])
        }
        var snapshot = segment
        snapshot.kind = .snapshot
        try await driver.run(
            ChainedProgram(Self.claimName(snapshot, group: group, at: at)) { _ in
                WriteProgram(statements: inserts, output: ())
            }, writes: true)
        guard let stored = try await self.segment(group: group, brand: segment.brandID, id: segment.id) else {
            throw TesseraError.unavailable("the snapshot could not be read back")
        }
        return stored
    }

    /// Inserts the segment's row, or answers a conflict when its name is taken in the brand — in the
    /// creating transaction, so two concurrent creations cannot both pass a check made before it.
    private static func claimName(_ segment: SegmentRecord, group: GroupID, at: Date) -> QueryProgram<Void> {
        let now = SQLValue.int(Timestamp.micros(at))
        return QueryProgram(
            SQLStatement(
                """
                INSERT INTO segments (group_id, id, brand_id, name, kind, rule, computed_at, created_at, updated_at) \
                VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?) ON CONFLICT (group_id, brand_id, name) DO NOTHING RETURNING id
                """,
                [
                    .text(group.rawValue), .text(segment.id), .text(segment.brandID.rawValue), .text(segment.name),
                    .text(segment.kind.rawValue), .text(segment.rule.json.jsonText), now, now, now,
                ])
        ) { rows in
            if rows.isEmpty {
                throw TesseraError.conflict("a segment named \(segment.name) already exists in this brand")
            }
        }
    }

    public func segments(group: GroupID, brand: BrandID) async throws -> [SegmentRecord] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(Self.segmentColumns) FROM segments WHERE group_id = ? AND brand_id = ? ORDER BY name",
                    [.text(group.rawValue), .text(brand.rawValue)]), map: { try $0.map(Self.segmentRecord) }),
            writes: false)
    }

    public func segment(group: GroupID, brand: BrandID, id: String) async throws -> SegmentRecord? {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(Self.segmentColumns) FROM segments WHERE group_id = ? AND brand_id = ? AND id = ?",
                    [.text(group.rawValue), .text(brand.rawValue), .text(id)]),
                map: { try $0.first.map(Self.segmentRecord) }), writes: false)
    }

    public func deleteSegment(group: GroupID, brand: BrandID, id: String) async throws {
        let (g, s) = (SQLValue.text(group.rawValue), SQLValue.text(id))
        let found = try await driver.run(
            ChainedProgram(
                QueryProgram(
                    SQLStatement(
                        "DELETE FROM segments WHERE group_id = ? AND brand_id = ? AND id = ? RETURNING id",
                        [g, .text(brand.rawValue), s]), map: { !$0.isEmpty })
            ) { found in
                WriteProgram(
                    statements: found
                        ? [SQLStatement("DELETE FROM segment_members WHERE group_id = ? AND segment_id = ?", [g, s])]
                        : [],
                    output: found)
            }, writes: true)
        if !found { throw TesseraError.notFound("segment \(id) not found") }
    }

    public func refreshSegment(_ segment: SegmentRecord, group: GroupID, context: EvaluationContext, at: Date)
        async throws -> SegmentChanges
    {
        let (dialect, eventPrefix) = (driver.dialect, ids.next())
        return try await computeSegment(segment, group: group, context: context) { listed in
            SegmentRefreshProgram(
                segment: segment, group: group, context: context, dialect: dialect, at: at, isCreation: false,
                eventPrefix: eventPrefix, matchingLists: listed)
        }
    }

    /// Runs the write `program` makes of a segment's matching members. Where its rule is computed in
    /// slices (``sliced(_:group:brand:context:_:)``), they are listed first, slice by slice at once on
    /// readers while SQLite's writer waits — which it did for the whole computation when the rule ran
    /// inside the write — and given to `program` as one JSON array of ids per slice (a few bytes an
    /// id, no row each); otherwise it gets `nil` and runs the rule itself.
    private func computeSegment<Program: SQLProgram>(
        _ segment: SegmentRecord, group: GroupID, context: EvaluationContext,
        _ program: @escaping @Sendable ([String]?) -> Program
    ) async throws -> Program.Output {
        let (rule, brand, dialect) = (segment.rule, segment.brandID, driver.dialect)
        let slices = try await sliced(rule, group: group, brand: brand, context: context) { from, before in
            SegmentSQL.select(
                SegmentSQL.idArray, matching: rule, group: group, brand: brand, context: context,
                dialect: dialect, from: from, before: before)
        }
        guard let slices else { return try await driver.run(program(nil), writes: true) }
        return try await driver.runWrite(afterSlices: slices) { rows in
            program(rows.map { $0.first?.text(0) ?? "[]" })
        }
    }

    public func segmentMembers(group: GroupID, segment: String, after cursor: MemberID?, limit: Int) async throws
        -> [MemberID]
    {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT member_id FROM segment_members WHERE group_id = ? AND segment_id = ? AND member_id > ? \
                    ORDER BY member_id LIMIT ?
                    """,
                    [.text(group.rawValue), .text(segment), .text(cursor?.rawValue ?? ""), .int(Int64(limit))]),
                map: { $0.compactMap { $0.text(0).map { MemberID($0) } } }), writes: false)
    }

    public func identifierValues(of members: [MemberID], type: String, group: GroupID) async throws
        -> [MemberID: String]
    {
        var values: [MemberID: String] = [:]
        for chunk in SQLBuilder.chunks(members, largest: 500) {
            let rows = try await driver.run(
                QueryProgram(
                    SQLStatement(
                        """
                        SELECT member_id, MIN(value) FROM member_identifiers WHERE group_id = ? AND type = ? \
                        AND member_id IN (\(SQLBuilder.markers(chunk.count))) GROUP BY member_id
                        """, [.text(group.rawValue), .text(type)] + chunk.map { .text($0.rawValue) }), map: { $0 }),
                writes: false)
            for row in rows {
                if let member = row.text(0), let value = row.text(1) { values[MemberID(member)] = value }
            }
        }
        return values
    }

    public func segmentIDs(group: GroupID, brand: BrandID, member: MemberID) async throws -> Set<String> {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT x.segment_id FROM segment_members x JOIN segments s ON s.group_id = x.group_id \
                    AND s.id = x.segment_id WHERE x.group_id = ? AND x.member_id = ? AND s.brand_id = ?
                    """, [.text(group.rawValue), .text(member.rawValue), .text(brand.rawValue)]),
                map: { Set($0.compactMap { $0.text(0) }) }), writes: false)
    }

    public func changeMemberships(_ changes: [SegmentMembershipChange], group: GroupID, at: Date) async throws
        -> SegmentMembershipChange.Applied
    {
        guard changes.contains(where: { !$0.entering.isEmpty || !$0.leaving.isEmpty }) else {
            return SegmentMembershipChange.Applied(entered: [], exited: [])
        }
        return try await driver.run(
            MembershipChangeSQL.program(
                changes, group: group, dialect: driver.dialect, at: at, eventPrefix: ids.next()),
            writes: true)
    }
}
