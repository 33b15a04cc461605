public import Foundation
import Synchronization
public import TesseraDomain

/// Behaviour scores and lifecycle stages (SPEC §5): their definitions, and members' values kept
/// current — for the members a write touched (the real-time path) and for everyone on a schedule
/// (windows and decay move with time). After scoring, the touched members go on to
/// ``SegmentService/membersChanged(_:group:brand:at:)``, so a segment on a score or stage follows
/// at once: the order is scores → lifecycles → segments.
///
/// ```swift
/// let scores = ScoreService(store: store, segments: segments)
/// try await scores.membersChanged([member], group: g, brand: b)
/// ```
public final class ScoreService: Sendable {
    public let store: any ScoreStore & SegmentStore
    public let segments: SegmentService
    /// Definitions per brand, re-read after `cacheLifetime` or when this process changes them.
    private let models = Mutex<[BrandID: (scores: [ScoreModel], lifecycles: [LifecycleModel], loaded: Date)]>([:])
    private let cacheLifetime: TimeInterval
    /// Members scored per batch of the full pass.
    static let page = 1_000

    public init(
        store: any ScoreStore & SegmentStore, segments: SegmentService, cacheLifetime: TimeInterval = 10
    ) {
        self.store = store
        self.segments = segments
        self.cacheLifetime = cacheLifetime
    }

    /// Stores a score (new or replacing one) and recomputes every member of the brand with it;
    /// answers whether it is new and how many members' scores or stages changed.
    public func save(_ model: ScoreModel, group: GroupID, brand: BrandID, at: Date = Date()) async throws
        -> (created: Bool, changed: Int)
    {
        let created = try await store.saveScoreModel(model, group: group, brand: brand, at: at)
        forget(brand)
        return (created, try await recompute(group: group, brand: brand, at: at))
    }

    /// Stores a lifecycle model (new or replacing one) and places every member of the brand in it.
    public func save(_ model: LifecycleModel, group: GroupID, brand: BrandID, at: Date = Date()) async throws
        -> (created: Bool, changed: Int)
    {
        let created = try await store.saveLifecycleModel(model, group: group, brand: brand, at: at)
        forget(brand)
        return (created, try await recompute(group: group, brand: brand, at: at))
    }

    /// Deletes a definition with every member's value or stage of it (`not found` if unknown). A
    /// segment reading it then reads 0 or no stage; the affected members' segments follow.
    public func delete(kind: ScoreModelKind, name: String, group: GroupID, brand: BrandID, at: Date = Date())
        async throws
    {
        guard try await store.deleteScoreModel(kind: kind, name: name, group: group, brand: brand) else {
            throw TesseraError.notFound("\(kind.rawValue) \(name) not found")
        }
        forget(brand)
        _ = try await segments.refreshAll(groups: [group]) { _ in [brand] }
    }

    /// The brand's definitions.
    public func definitions(group: GroupID, brand: BrandID, at: Date = Date()) async throws
        -> (scores: [ScoreModel], lifecycles: [LifecycleModel])
    {
        if let cached = models.withLock({ $0[brand] }), at.timeIntervalSince(cached.loaded) < cacheLifetime,
            at >= cached.loaded
        {
            return (cached.scores, cached.lifecycles)
        }
        let scores = try await store.scoreModels(group: group, brand: brand)
        let lifecycles = try await store.lifecycleModels(group: group, brand: brand)
        models.withLock { $0[brand] = (scores, lifecycles, at) }
        return (scores, lifecycles)
    }

    /// The real-time path: rescores `members` (their data just changed), records stage moves
    /// (`lifecycle.changed`), then updates their dynamic segments. Answers how many members' scores
    /// or stages changed.
    @discardableResult
    public func membersChanged(_ members: Set<MemberID>, group: GroupID, brand: BrandID, at: Date = Date())
        async throws -> Int
    {
        guard !members.isEmpty else { return 0 }
        let changed = try await score(Array(members), group: group, brand: brand, at: at)
        try await segments.membersChanged(members, group: group, brand: brand, at: at)
        return changed
    }

    /// Rescores every member of the brand (in pages), then refreshes its dynamic segments in full;
    /// answers how many members' scores or stages changed. Idempotent: a second run changes nothing.
    @discardableResult
    public func recompute(group: GroupID, brand: BrandID, at: Date = Date()) async throws -> Int {
        let (scores, lifecycles) = try await definitions(group: group, brand: brand, at: at)
        var changed = 0
        if !scores.isEmpty || !lifecycles.isEmpty {
            let context = try await segments.context(group: group, brand: brand, at: at)
            var cursor: MemberID?
            while true {
                let page = try await store.members(
                    matching: .and([]), group: group, brand: brand, context: context, after: cursor, limit: Self.page)
                changed += try await score(page, group: group, brand: brand, at: at)
                guard page.count == Self.page, let last = page.last else { break }
                cursor = last
            }
        }
        _ = try await segments.refreshAll(groups: [group]) { _ in [brand] }
        return changed
    }

    /// ``recompute(group:brand:at:)`` for every brand of `groups` (the scheduled pass).
    public func recomputeAll(groups: [GroupID], brands: (GroupID) async throws -> [BrandID], at: Date = Date())
        async throws -> Int
    {
        var changed = 0
        for group in groups {
            for brand in try await brands(group) { changed += try await recompute(group: group, brand: brand, at: at) }
        }
        return changed
    }

    /// Derives and stores the scores and stages of `members`; answers how many changed.
    private func score(_ members: [MemberID], group: GroupID, brand: BrandID, at: Date) async throws -> Int {
        let (scores, lifecycles) = try await definitions(group: group, brand: brand, at: at)
        guard !scores.isEmpty || !lifecycles.isEmpty, !members.isEmpty else { return 0 }
        let scoring = MemberScoring(
            scores: scores, lifecycles: lifecycles,
            context: try await segments.context(group: group, brand: brand, at: at))
        let facts = try await store.memberFacts(group: group, brand: brand, members: members, needs: scoring.needs)
        var changes: [MemberScoreChange] = []
        for stored in facts.values.sorted(by: { $0.id < $1.id }) {
            // A member who left the brand keeps nothing of it.
            var derived = stored
            if stored.inBrand {
                derived = scoring.derive(stored)
            } else {
                derived.scores = [:]
                derived.stages = [:]
            }
            if let change = MemberScoreChange(from: stored, to: derived) { changes.append(change) }
        }
        _ = try await store.applyScoreChanges(changes, group: group, brand: brand, at: at)
        return changes.count
    }

    private func forget(_ brand: BrandID) { _ = models.withLock { $0.removeValue(forKey: brand) } }
}

extension ScoreService {
    /// The ``IngestService/AfterWrite`` hook that keeps scores, stages and dynamic segments current
    /// as ingest writes; `onError` hears failures (logged by the server; the scheduled pass repairs
    /// what they missed).
    public func ingestHook(onError: @escaping @Sendable (any Error) -> Void) -> IngestService.AfterWrite {
        { [self] group, touched in
            for (brand, members) in touched {
                do {
                    try await membersChanged(members, group: group, brand: brand)
                } catch {
                    onError(error)
                }
            }
        }
    }
}
