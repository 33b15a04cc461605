import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Stored segments on both databases: a refresh moves exactly the members whose verdict changed
/// and announces each change once; the real-time path's changes are idempotent; a merge ends the
/// merged member's memberships and hands its tags to the survivor.
@Suite("Segments on SQLite and PostgreSQL")
struct SegmentContractTests {
    static let context = SegmentDifferentialTests.context

    @Test(arguments: Backend.allCases)
    func refreshAndRealTimeChangesAnnounceEachChangeOnce(backend: Backend) async throws {
        let population = try await SegmentDifferentialTests.populate(backend, seed: 11, members: 30)
        let (store, group, brand) = (population.store, population.group, population.brand)
        let rule = SegmentRule.tag("vip")
        let segment = try await store.createSegment(
            SegmentRecord(
                id: "s-\(backend)", brandID: brand, name: "VIP", kind: .dynamic, rule: rule, createdAt: Date()),
            group: group, context: Self.context, at: Date())
        let vips = Set(population.eligible.filter { $0.value.tags.contains("vip") }.keys)
        #expect(segment.memberCount == Int64(vips.count))
        #expect(!vips.isEmpty)
        let all = try await store.segmentMembers(group: group, segment: segment.id, after: nil, limit: 1_000)
        #expect(Set(all.map(\.rawValue)) == vips)

        // Two members change behind the segment's back; a refresh finds exactly them.
        let leaver = vips.sorted()[0]
        let joiner = population.eligible.keys.sorted().first { !vips.contains($0) } ?? ""
        try await store.driver.run(
            ExecuteProgram([
                SQLStatement(
                    "DELETE FROM member_tags WHERE group_id = ? AND member_id = ? AND tag = 'vip'",
                    [.text(group.rawValue), .text(leaver)]),
                SQLStatement(
                    """
                    INSERT INTO member_tags (group_id, brand_id, member_id, tag, source, actor, tagged_at) \
                    VALUES (?, ?, ?, 'vip', 'manual', 'test', 0)
                    """, [.text(group.rawValue), .text(brand.rawValue), .text(joiner)]),
            ]), writes: true)
        let changes = try await store.refreshSegment(segment, group: group, context: Self.context, at: Date())
        #expect(changes.entered == [MemberID(joiner)])
        #expect(changes.exited == [MemberID(leaver)])
        #expect(changes.memberCount == Int64(vips.count))
        let again = try await store.refreshSegment(segment, group: group, context: Self.context, at: Date())
        #expect(again.entered.isEmpty && again.exited.isEmpty)
        let joinerTimeline = try await store.timeline(group: group, member: MemberID(joiner), before: nil, limit: 200)
        #expect(joinerTimeline.entries.filter { $0.name == "segment.entered" }.count == 1)

        // The real-time path: applying the same change twice enters once; one batch serves many members.
        let leaverID = MemberID(leaver)
        func change(_ entering: [SegmentRecord], _ leaving: [SegmentRecord]) -> [SegmentMembershipChange] {
            [SegmentMembershipChange(member: leaverID, entering: entering, leaving: leaving)]
        }
        let first = try await store.changeMemberships(change([segment], []), group: group, at: Date())
        let second = try await store.changeMemberships(change([segment], []), group: group, at: Date())
        #expect(first.entered == [.init(member: leaverID, segment: segment.id)] && second.entered.isEmpty)
        let out = try await store.changeMemberships(change([], [segment]), group: group, at: Date())
        #expect(out.exited == [.init(member: leaverID, segment: segment.id)])
        #expect(try await store.segmentIDs(group: group, brand: brand, member: leaverID).isEmpty)
        let others = population.eligible.keys.sorted().filter { $0 != leaver }.prefix(5).map { MemberID($0) }
        let batch = try await store.changeMemberships(
            others.map { SegmentMembershipChange(member: $0, entering: [segment], leaving: []) }, group: group,
            at: Date())
        let wereOut = others.filter { !vips.subtracting([leaver]).union([joiner]).contains($0.rawValue) }
        #expect(Set(batch.entered.map(\.member)) == Set(wereOut))
        let leaveAll = try await store.changeMemberships(
            others.map { SegmentMembershipChange(member: $0, entering: [], leaving: [segment]) }, group: group,
            at: Date())
        #expect(Set(leaveAll.exited.map(\.member)) == Set(others))

        // A snapshot is never touched by the real-time path.
        let snapshot = try await store.createSegment(
            SegmentRecord(
                id: "f-\(backend)", brandID: brand, name: "Frozen", kind: .snapshot, rule: rule, createdAt: Date()),
            group: group, context: Self.context, at: Date())
        let frozen = try await store.changeMemberships(change([snapshot], []), group: group, at: Date())
        #expect(frozen.entered.isEmpty)

        try await store.deleteSegment(group: group, brand: brand, id: segment.id)
        #expect(try await store.segment(group: group, brand: brand, id: segment.id) == nil)
        #expect(try await store.segmentMembers(group: group, segment: segment.id, after: nil, limit: 10).isEmpty)
    }

    /// A merge hands the merged member's tags to the survivor and ends the merged member's memberships.
    /// A segment whose rule SQLite computes in slices — listed on readers at once while its writer
    /// waits — holds the members the rule selects when created, and a refresh moves exactly those
    /// whose verdict changed. (On PostgreSQL the same calls compute the rule in one statement.)
    @Test(arguments: Backend.allCases)
    func aSegmentComputedInSlicesMovesExactlyTheChangedMembers(backend: Backend) async throws {
        let population = try await SegmentDifferentialTests.populate(backend, seed: 11, members: 60, sliceMembers: 1)
        let (store, group, brand) = (population.store, population.group, population.brand)
        let rule = SegmentRule.not(.tag("vip"))
        #expect(
            SegmentSQL.countsInSlices(rule, group: group, brand: brand, context: Self.context, dialect: .sqlite),
            "the premise: SQLite computes this rule in slices")
        let others = Set(population.eligible.filter { !$0.value.tags.contains("vip") }.keys)
        let segment = try await store.createSegment(
            SegmentRecord(
                id: "sliced-\(backend)", brandID: brand, name: "Not VIP", kind: .dynamic, rule: rule, createdAt: Date()),
            group: group, context: Self.context, at: Date())
        #expect(segment.memberCount == Int64(others.count))
        let members = try await store.segmentMembers(group: group, segment: segment.id, after: nil, limit: 1_000)
        #expect(Set(members.map(\.rawValue)) == others)

        // Every member becomes a VIP but the first and last of the segment, and a VIP leaves the club.
        let kept = [others.sorted()[0], others.sorted()[others.count - 1]]
        let joiner = try #require(population.eligible.keys.sorted().first { !others.contains($0) })
        try await store.driver.run(
            ExecuteProgram(
                others.filter { !kept.contains($0) }.sorted().map { member in
                    SQLStatement(
                        """
                        INSERT INTO member_tags (group_id, brand_id, member_id, tag, source, actor, tagged_at) \
                        VALUES (?, ?, ?, 'vip', 'manual', 'test', 0)
                        """, [.text(group.rawValue), .text(brand.rawValue), .text(member)])
                } + [
                    SQLStatement(
                        "DELETE FROM member_tags WHERE group_id = ? AND member_id = ? AND tag = 'vip'",
                        [.text(group.rawValue), .text(joiner)])
                ]), writes: true)
        let changes = try await store.refreshSegment(segment, group: group, context: Self.context, at: Date())
        #expect(changes.entered == [MemberID(joiner)])
        #expect(Set(changes.exited.map(\.rawValue)) == others.subtracting(kept))
        #expect(changes.memberCount == Int64(kept.count + 1))
        let after = try await store.segmentMembers(group: group, segment: segment.id, after: nil, limit: 1_000)
        #expect(Set(after.map(\.rawValue)) == Set(kept + [joiner]))
        try await store.close()
    }

    @Test(arguments: Backend.allCases)
    func mergesMoveTagsAndEndMemberships(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (store, group, brand) = (tenant.store, tenant.principal.groupID, tenant.principal.brandID)
        var members: [MemberID] = []
        for index in 0..<2 {
            var registration = try message(
                "k\(index)", ["phone:1370000000\(index)"], kind: .member, registers: true, name: nil)
            registration.brandID = brand
            let result = try await tenant.send([registration])
            members.append(try #require(result.results.first?.memberID))
        }
        try await store.defineTag(
            TagDefinition(name: "vip", category: .membership, kind: .manual), group: group, brand: brand, at: Date())
        #expect(
            try await store.changeTag(
                "vip", adding: true, members: [members[1]], group: group, brand: brand, source: "manual", actor: "t",
                at: Date()) == [members[1]])
        let segment = try await store.createSegment(
            SegmentRecord(
                id: "v-\(backend)", brandID: brand, name: "VIP", kind: .dynamic, rule: .tag("vip"), createdAt: Date()),
            group: group, context: SegmentDifferentialTests.context, at: Date())
        #expect(segment.memberCount == 1)
        _ = try await store.merge(
            group: group, survivor: members[0], merged: members[1], actor: "test", reason: "same person",
            id: "mg-\(backend)",
            at: Date())
        #expect(try await store.memberTags(group: group, brand: brand, member: members[0]).map(\.tag) == ["vip"])
        #expect(try await store.memberTags(group: group, brand: brand, member: members[1]).isEmpty)
        #expect(try await store.segmentIDs(group: group, brand: brand, member: members[1]).isEmpty)
        let changes = try await store.refreshSegment(
            segment, group: group, context: SegmentDifferentialTests.context, at: Date())
        #expect(changes.entered == [members[0]])
        #expect(changes.memberCount == 1)
    }

    /// A member base above `exactUpTo` is estimated from its fixed sample: a few hundred of 3,000
    /// brand members examined, the interval holding the true count, fewer and a wider interval when
    /// the time budget is spent; asked for, the count is exact.
    /// Members of another brand are never counted. (Ids, hence buckets, are fixed: deterministic.)
    @Test(arguments: Backend.allCases)
    func largeMemberBasesAreEstimatedFromTheirSample(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (store, group, brand) = (tenant.store, tenant.principal.groupID, tenant.principal.brandID)
        let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
        let ids = (0..<3_300).map { MemberID(String(format: "e%05d", $0)) }
        var statements = SQLBuilder.insert(
            into: "members", columns: ["group_id", "id", "sample", "gender", "created_at", "updated_at"],
            rows: ids.enumerated().map { index, id in
                [
                    g, .text(id.rawValue), .int(SegmentEstimate.bucket(of: id)), .text(index % 3 == 0 ? "f" : "m"),
                    .int(0),
                    .int(0),
                ]
            })
        statements += SQLBuilder.insert(
            into: "member_brands", columns: ["group_id", "member_id", "brand_id", "joined_at"],
            rows: ids.prefix(3_000).map { [g, .text($0.rawValue), b, .int(0)] })
        try await store.driver.run(ExecuteProgram(statements), writes: true)

        // A budget no part can overrun: the whole sample, in four parts.
        let segments = SegmentService(
            store: store, estimateSample: 600, estimateBudget: .seconds(600), exactUpTo: 1_000)
        let rule = SegmentRule.compare(FieldComparison(.field(.gender), .textIn(["f"])))
        #expect(try await segments.estimate(rule, group: group, brand: brand, exact: true) == .exact(1_000))
        let estimate = try await segments.estimate(rule, group: group, brand: brand)
        #expect(!estimate.exact)
        #expect((400...800).contains(estimate.sampled ?? 0), "\(estimate)")
        #expect(estimate.low <= 1_000 && 1_000 <= estimate.high, "\(estimate)")
        #expect((800...1_200).contains(estimate.count), "\(estimate)")
        // No budget at all: only the first eighth of the sample, and a wider interval for it.
        let hurried = try await SegmentService(
            store: store, estimateSample: 600, estimateBudget: .zero, exactUpTo: 1_000
        ).estimate(rule, group: group, brand: brand)
        #expect((20...150).contains(hurried.sampled ?? 0), "\(hurried)")
        #expect(hurried.high - hurried.low > estimate.high - estimate.low, "\(hurried) vs \(estimate)")
        // A small base is always counted exactly.
        let small = SegmentService(store: store, estimateSample: 600, exactUpTo: 5_000)
        #expect(try await small.estimate(rule, group: group, brand: brand) == .exact(1_000))
    }

    /// The sample queries name the partial index's own bound, so the index serves them: the
    /// migration's predicate on both databases is `sample < indexedBuckets`, and SQLite's plan for the
    /// gauge reads `members_sample`.
    @Test func sampleQueriesReadThePartialIndex() async throws {
        let migration = try #require(Migrations.all.first { $0.id == "0021_member_sample" })
        let bound = "WHERE sample < \(SegmentEstimate.indexedBuckets)"
        #expect(migration.sqlite.contains { $0.contains("members_sample") && $0.hasSuffix(bound) })
        #expect(migration.postgres.contains { $0.contains("members_sample") && $0.hasSuffix(bound) })
        let store = try await Backend.sqlite.makeStore()
        let gauge = "SELECT COUNT(*) FROM members m WHERE m.group_id = ? AND \(SegmentSQL.sampleBuckets(0..<100))"
        let plan = try await store.driver.run(
            QueryProgram(SQLStatement("EXPLAIN QUERY PLAN " + gauge, [.text("g"), .int(0), .int(100)])) {
                $0.compactMap { $0.text(3) }
            }, writes: false)
        #expect(plan.contains { $0.contains("members_sample") }, "\(plan)")
    }

    /// Two concurrent creations of one name: exactly one stores a segment, the other is a conflict.
    @Test(arguments: Backend.allCases)
    func aSegmentNameIsClaimedOnce(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (store, group, brand) = (tenant.store, tenant.principal.groupID, tenant.principal.brandID)
        let outcomes = await withTaskGroup(of: Bool.self) { tasks in
            for index in 0..<4 {
                tasks.addTask {
                    let segment = SegmentRecord(
                        id: "same-\(backend)-\(index)", brandID: brand, name: "Same",
                        kind: index % 2 == 0 ? .dynamic : .snapshot,
                        rule: .tag("vip"), createdAt: Date())
                    do {
                        if index % 2 == 0 {
                            _ = try await store.createSegment(
                                segment, group: group, context: SegmentDifferentialTests.context, at: Date())
                        } else {
                            _ = try await store.createSnapshot(segment, members: [], group: group, at: Date())
                        }
                        return true
                    } catch TesseraError.conflict {
                        return false
                    } catch {
                        Issue.record("unexpected \(error)")
                        return false
                    }
                }
            }
            return await tasks.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.segments(group: group, brand: brand).count == 1)
    }
}
