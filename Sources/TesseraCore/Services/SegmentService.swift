public import Foundation
import Synchronization
public import TesseraDomain

/// Segment use cases (SPEC §6): validate and estimate a rule, store segments, refresh them in full
/// (SQL in the database) and keep dynamic segments current member by member (in memory) as data
/// arrives — the two evaluators of one rule language.
///
/// ```swift
/// let segments = SegmentService(store: store)
/// let size = try await segments.estimate(rule, group: g, brand: b).count
/// ```
public final class SegmentService: Sendable {
    public let store: any SegmentStore & SegmentDefinitionStore & PointsStore & MemberStore
    private let ids: any IDGenerator
    /// Dynamic segments per brand, re-read after `cacheLifetime` or when this process changes them.
    private let dynamic = Mutex<[BrandID: (segments: [SegmentRecord], loaded: Date)]>([:])
    /// Brands' time zones, re-read after `cacheLifetime`.
    private let zones = Mutex<[BrandID: (zone: TimeZone, loaded: Date)]>([:])
    private let cacheLifetime: TimeInterval
    /// The most members a sampled estimate examines; member bases up to `exactUpTo` are counted
    /// exactly instead.
    private let estimateSample: Int64
    private let exactUpTo: Int64
    /// How long a sampled estimate may take: it stops growing its sample when the next part would
    /// not fit.
    private let estimateBudget: Duration

    /// `estimateSample`, `estimateBudget` and `exactUpTo` trade an estimate's speed for its
    /// precision (see docs/segments.md, *Size estimates*).
    public init(
        store: any SegmentStore & SegmentDefinitionStore & PointsStore & MemberStore,
        ids: any IDGenerator = TimeOrderedIDGenerator(),
        cacheLifetime: TimeInterval = 10,
        estimateSample: Int64 = 20_000,
        estimateBudget: Duration = .milliseconds(150),
        exactUpTo: Int64 = 50_000
    ) {
        self.store = store
        self.ids = ids
        self.cacheLifetime = cacheLifetime
        self.estimateSample = max(1, estimateSample)
        self.estimateBudget = estimateBudget
        self.exactUpTo = exactUpTo
    }

    /// The brand's calendar: the loyalty programme's time zone (Asia/Shanghai unless configured),
    /// re-read after `cacheLifetime`.
    public func context(group: GroupID, brand: BrandID, at: Date) async throws -> EvaluationContext {
        if let cached = zones.withLock({ $0[brand] }), at.timeIntervalSince(cached.loaded) < cacheLifetime,
            at >= cached.loaded
        {
            return EvaluationContext(now: at, timeZone: cached.zone)
        }
        let zone = try await store.loyaltyProgram(group: group, brand: brand).program.calendar.timeZone
        zones.withLock { $0[brand] = (zone, at) }
        return EvaluationContext(now: at, timeZone: zone)
    }

    /// How many of the brand's members match `rule` now: counted exactly when asked to or when the
    /// group has at most `exactUpTo` members, otherwise over a fixed sample of at most about
    /// `estimateSample` of them, with a 95% interval (``SegmentEstimate``).
    ///
    /// The sample grows in parts — an eighth of it, another eighth, a quarter, a half — each the
    /// next buckets up, while the next part's expected time (from the time per bucket so far) still
    /// fits `estimateBudget`: an expensive rule on a slow database gets a smaller sample and says so
    /// in its interval, a cheap one the full sample.
    public func estimate(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, at: Date = Date(), exact: Bool = false
    ) async throws -> SegmentEstimate {
        let context = try await context(group: group, brand: brand, at: at)
        if !exact {
            // One bucket in a hundred gauges the member base from an index range.
            let gauge: Int64 = 100
            let base = try await store.membersInSample(group: group, buckets: gauge) * (SegmentEstimate.buckets / gauge)
            if base > exactUpTo {
                let buckets = min(
                    SegmentEstimate.indexedBuckets, max(1, estimateSample * SegmentEstimate.buckets / max(base, 1)))
                return try await sampled(rule, group: group, brand: brand, context: context, buckets: buckets)
            }
        }
        return .exact(try await store.countMembers(matching: rule, group: group, brand: brand, context: context))
    }

    /// The estimate over buckets `0..<buckets` at most, taken in growing parts within the budget.
    private func sampled(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, buckets: Int64
    ) async throws -> SegmentEstimate {
        let clock = ContinuousClock()
        let started = clock.now
        var (taken, sampled, matching): (Int64, Int64, Int64) = (0, 0, 0)
        var part = max(1, buckets / 8)
        while taken < buckets {
            let upper = min(buckets, taken + part)
            let found = try await store.sampleMembers(
                matching: rule, group: group, brand: brand, context: context, buckets: taken..<upper)
            (taken, sampled, matching) = (upper, sampled + found.sampled, matching + found.matching)
            part = min(taken, buckets - taken)
            let elapsed = clock.now - started
            if elapsed + elapsed * (Double(part) / Double(taken)) > estimateBudget { break }
        }
        return .sampled(matching: matching, of: sampled, buckets: taken)
    }

    /// A page of the members matching `rule` now (no stored segment needed).
    public func preview(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, after cursor: MemberID?, limit: Int, at: Date = Date()
    ) async throws -> [MemberID] {
        try await store.members(
            matching: rule, group: group, brand: brand, context: try await context(group: group, brand: brand, at: at),
            after: cursor, limit: limit)
    }

    /// Stores a segment and computes its members now; a rule naming an unknown segment is refused
    /// (`segment_not_found`), a taken name is a conflict.
    public func create(
        name: String, kind: SegmentRecord.Kind, rule: SegmentRule, group: GroupID, brand: BrandID, at: Date = Date()
    ) async throws -> SegmentRecord {
        let segment = SegmentRecord(id: ids.next(), brandID: brand, name: name, kind: kind, rule: rule, createdAt: at)
        let known = Set(try await store.segments(group: group, brand: brand).map(\.id))
        if let unknown = rule.referencedSegments.subtracting(known).sorted().first {
            throw TesseraError.rejected(
                code: "segment_not_found", field: "rule",
                reason: "the rule refers to segment \(unknown), not in this brand")
        }
        defer { forget(brand) }
        return try await store.createSegment(
            segment, group: group, context: try await context(group: group, brand: brand, at: at), at: at)
    }

    /// A snapshot of a seeded random sample of the members `rule` selects now: reproducible (the same
    /// seed over the same members picks the same ones), e.g. for a test list or a holdout.
    public func createSample(
        name: String, rule: SegmentRule, size: SegmentSample.Size, seed: UInt64, group: GroupID, brand: BrandID,
        at: Date = Date()
    ) async throws -> SegmentRecord {
        let context = try await context(group: group, brand: brand, at: at)
        var everyone: [String] = []
        var cursor: MemberID?
        while true {
            let page = try await store.members(
                matching: rule, group: group, brand: brand, context: context, after: cursor, limit: 10_000)
            everyone += page.map(\.rawValue)
            guard page.count == 10_000, let last = page.last else { break }
            cursor = last
        }
        let chosen = SegmentSample.pick(everyone, size: size, seed: seed).map { MemberID($0) }
        defer { forget(brand) }
        return try await store.createSnapshot(
            SegmentRecord(id: ids.next(), brandID: brand, name: name, kind: .snapshot, rule: rule, createdAt: at),
            members: chosen, group: group, at: at)
    }

    /// A snapshot from an imported list: member ids (`column` `member_id`) or identifiers of one type
    /// (`column` `phone`, `email`, …, normalised as on ingest). Every value is checked first — a value
    /// that is not an identifier of the type refuses the whole list, naming its line — then values
    /// that match no live member of the brand are counted, not stored.
    public func importList(
        name: String, column: String, values: [(line: Int, value: String)], group: GroupID, brand: BrandID,
        at: Date = Date()
    ) async throws -> (segment: SegmentRecord, unknown: Int) {
        let (members, unknown) = try await store.resolveList(column: column, values: values, group: group)
        let unique = Array(Set(members))
        defer { forget(brand) }
        let segment = try await store.createSnapshot(
            SegmentRecord(id: ids.next(), brandID: brand, name: name, kind: .snapshot, rule: .or([]), createdAt: at),
            members: unique, group: group, at: at)
        return (segment, unknown + unique.count - Int(segment.memberCount))
    }

    /// De-duplication by priority: for segments listed in priority order, snapshots where each member
    /// appears only in the first segment of the list that holds them (`name + suffix` each).
    public func deduplicate(_ ordered: [String], suffix: String, group: GroupID, brand: BrandID, at: Date = Date())
        async throws -> [SegmentRecord]
    {
        // Everything is checked before anything is created, so a refusal leaves nothing behind.
        let existing = try await store.segments(group: group, brand: brand)
        var sources: [SegmentRecord] = []
        for (index, id) in ordered.enumerated() {
            guard let segment = existing.first(where: { $0.id == id }) else {
                throw TesseraError.rejected(
                    code: "segment_not_found", field: "$.segments[\(index)]", reason: "no segment \(id) in this brand")
            }
            guard !ordered[..<index].contains(id) else {
                throw TesseraError.invalid(field: "$.segments[\(index)]", reason: "listed twice")
            }
            guard !existing.contains(where: { $0.name == segment.name + suffix }) else {
                throw TesseraError.conflict("a segment named \(segment.name + suffix) already exists in this brand")
            }
            sources.append(segment)
        }
        var created: [SegmentRecord] = []
        for (index, segment) in sources.enumerated() {
            let id = segment.id
            let earlier = ordered[..<index].map { SegmentRule.not(.segment($0)) }
            created.append(
                try await create(
                    name: segment.name + suffix, kind: .snapshot, rule: .and([.segment(id)] + earlier), group: group,
                    brand: brand, at: at))
        }
        return created
    }

    /// Each member's identifier of `type` (the smallest if several), for exports.
    public func identifiers(of members: [MemberID], type: String?, group: GroupID) async throws -> [MemberID: String] {
        guard let type, !members.isEmpty else { return [:] }
        return try await store.identifierValues(of: members, type: type, group: group)
    }

    /// Deletes a segment no dynamic segment refers to (`segment_in_use` otherwise).
    public func delete(id: String, group: GroupID, brand: BrandID) async throws {
        // Snapshots keep their members whatever happens to the segments their rule names.
        let users = try await store.segments(group: group, brand: brand).filter {
            $0.kind == .dynamic && $0.rule.referencedSegments.contains(id)
        }
        if let user = users.first {
            throw TesseraError.rejected(
                code: "segment_in_use", field: nil,
                reason: "segment \(user.name) refers to it; change or delete that first")
        }
        defer { forget(brand) }
        try await store.deleteSegment(group: group, brand: brand, id: id)
    }

    /// Recomputes a dynamic segment in full. A snapshot is frozen: `segment_is_snapshot`.
    public func refresh(id: String, group: GroupID, brand: BrandID, at: Date = Date()) async throws -> SegmentChanges {
        guard let segment = try await store.segment(group: group, brand: brand, id: id) else {
            throw TesseraError.notFound("segment \(id) not found")
        }
        guard segment.kind == .dynamic else {
            throw TesseraError.rejected(
                code: "segment_is_snapshot", field: nil,
                reason: "a snapshot keeps the members it had when it was created; create a new one instead")
        }
        return try await store.refreshSegment(
            segment, group: group, context: try await context(group: group, brand: brand, at: at), at: at)
    }

    /// Recomputes every dynamic segment of every brand of `groups`: what time alone changes
    /// ("no purchase in the last 30 days") and what the real-time path could not see.
    public func refreshAll(groups: [GroupID], brands: (GroupID) async throws -> [BrandID], at: Date = Date())
        async throws -> Int
    {
        var refreshed = 0
        for group in groups {
            for brand in try await brands(group) {
                let context = try await context(group: group, brand: brand, at: at)
                let segments = try await store.segments(group: group, brand: brand)
                for segment in Self.dependencyOrder(segments) where segment.kind == .dynamic {
                    _ = try await store.refreshSegment(segment, group: group, context: context, at: at)
                    refreshed += 1
                }
            }
        }
        return refreshed
    }

    /// Whether the member matches the segment's rule right now (evaluated in memory), and whether
    /// the stored membership says so.
    public func check(segment id: String, member: MemberID, group: GroupID, brand: BrandID, at: Date = Date())
        async throws -> (matches: Bool, stored: Bool)
    {
        guard let segment = try await store.segment(group: group, brand: brand, id: id) else {
            throw TesseraError.notFound("segment \(id) not found")
        }
        guard
            let facts = try await store.memberFacts(
                group: group, brand: brand, member: member, needs: segment.rule.needs)
        else { throw TesseraError.notFound("member \(member) not found") }
        let evaluator = SegmentEvaluator(context: try await context(group: group, brand: brand, at: at))
        let stored = try await store.segmentIDs(group: group, brand: brand, member: member).contains(id)
        return (facts.inBrand && evaluator.matches(segment.rule, facts), stored)
    }

    /// The real-time path: re-evaluates the brand's dynamic segments for members whose data just
    /// changed and records who entered and left (`segment.entered` / `segment.exited`). Answers the
    /// number of membership changes.
    @discardableResult
    public func membersChanged(_ members: Set<MemberID>, group: GroupID, brand: BrandID, at: Date = Date())
        async throws -> Int
    {
        let segments = try await dynamicSegments(group: group, brand: brand, at: at)
        guard !segments.isEmpty, !members.isEmpty else { return 0 }
        var needs = SegmentRule.Needs.union(segments.map(\.rule.needs))
        needs.segments = true
        let context = try await context(group: group, brand: brand, at: at)
        // Only events and orders recent enough to change a verdict are loaded.
        let horizon = SegmentRule.or(segments.map(\.rule)).horizon(in: context)
        needs.eventsSince = horizon.events
        needs.ordersSince = horizon.orders
        let evaluator = SegmentEvaluator(context: context)
        let facts = try await store.memberFacts(group: group, brand: brand, members: Array(members), needs: needs)
        var changes: [SegmentMembershipChange] = []
        for stored in facts.values.sorted(by: { $0.id < $1.id }) {
            var member = stored
            // Segments built on segments see their inputs' new verdicts: evaluate until nothing moves.
            for _ in 0...segments.count {
                var next = member.segments
                for segment in segments {
                    if member.inBrand && evaluator.matches(segment.rule, member) {
                        next.insert(segment.id)
                    } else {
                        next.remove(segment.id)
                    }
                }
                if next == member.segments { break }
                member.segments = next
            }
            let entering = segments.filter { member.segments.contains($0.id) && !stored.segments.contains($0.id) }
            let leaving = segments.filter { !member.segments.contains($0.id) && stored.segments.contains($0.id) }
            if !entering.isEmpty || !leaving.isEmpty {
                changes.append(
                    SegmentMembershipChange(member: MemberID(member.id), entering: entering, leaving: leaving))
            }
        }
        let applied = try await store.changeMemberships(changes, group: group, at: at)
        return applied.entered.count + applied.exited.count
    }

    private func dynamicSegments(group: GroupID, brand: BrandID, at: Date) async throws -> [SegmentRecord] {
        if let cached = dynamic.withLock({ $0[brand] }), at.timeIntervalSince(cached.loaded) < cacheLifetime,
            at >= cached.loaded
        {
            return cached.segments
        }
        let segments = try await store.segments(group: group, brand: brand).filter { $0.kind == .dynamic }
        dynamic.withLock { $0[brand] = (segments, at) }
        return segments
    }

    private func forget(_ brand: BrandID) { _ = dynamic.withLock { $0.removeValue(forKey: brand) } }
}

extension SegmentService {
    /// Segments ordered so that every segment comes after those its rule refers to (a full refresh
    /// then reads up-to-date inputs). References to unknown segments are ignored; cycles cannot be
    /// built, since a rule may only refer to segments that exist when it is created.
    static func dependencyOrder(_ segments: [SegmentRecord]) -> [SegmentRecord] {
        var placed: Set<String> = []
        var ordered: [SegmentRecord] = []
        var waiting = segments
        let known = Set(segments.map(\.id))
        while !waiting.isEmpty {
            let ready = waiting.filter { $0.rule.referencedSegments.intersection(known).isSubset(of: placed) }
            // A cycle (only by editing the database by hand) would stall: take the rest as they are.
            let next = ready.isEmpty ? waiting : ready
            ordered += next
            placed.formUnion(next.map(\.id))
            waiting.removeAll { placed.contains($0.id) }
        }
        return ordered
    }
}
