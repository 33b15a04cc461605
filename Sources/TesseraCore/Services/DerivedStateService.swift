public import Foundation
import Synchronization
public import TesseraDomain

/// What Tessera derives from members' data (SPEC §5): behaviour scores, rule and behaviour tags and
/// lifecycle stages — their definitions, and members' values kept current for the members a write
/// touched (the real-time path) and for everyone on a schedule (windows and decay move with time).
/// The touched members then go on to ``SegmentService/membersChanged(_:group:brand:at:)``, so a
/// segment on a score, tag or stage follows at once: the order is scores → tags → lifecycles →
/// segments.
///
/// ```swift
/// let derived = DerivedStateService(store: store, segments: segments)
/// try await derived.membersChanged([member], group: g, brand: b)
/// ```
public final class DerivedStateService: Sendable {
    public let store: any ScoreStore & SegmentStore & TagStore
    public let segments: SegmentService
    /// Definitions per brand, re-read after `cacheLifetime` or when this process changes them.
    private let models = Mutex<[BrandID: (definitions: Definitions, loaded: Date)]>([:])
    private let cacheLifetime: TimeInterval
    /// Members scored per batch of the full pass.
    static let page = 1_000

    public init(
        store: any ScoreStore & SegmentStore & TagStore, segments: SegmentService, cacheLifetime: TimeInterval = 10
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

    /// A brand's definitions of derived state.
    public struct Definitions: Sendable {
        public var scores: [ScoreModel]
        /// Rule and behaviour tags.
        public var tags: [TagDefinition]
        public var lifecycles: [LifecycleModel]
    }

    /// Stores a rule or behaviour tag in the catalogue and derives it for every member of the brand.
    public func define(_ tag: TagDefinition, group: GroupID, brand: BrandID, at: Date = Date()) async throws -> Int {
        try await store.defineTag(tag, group: group, brand: brand, at: at)
        forget(brand)
        return try await recompute(group: group, brand: brand, at: at)
    }

    /// Deletes a tag from the catalogue and every member (`not found` if unknown); segments follow.
    public func deleteTag(_ name: String, group: GroupID, brand: BrandID, actor: String, at: Date = Date())
        async throws
    {
        guard try await store.deleteTag(name, group: group, brand: brand, actor: actor, at: at) else {
            throw TesseraError.notFound("tag \(name) not found")
        }
        forget(brand)
        _ = try await recompute(group: group, brand: brand, at: at)
    }

    /// The brand's definitions.
    public func definitions(group: GroupID, brand: BrandID, at: Date = Date()) async throws -> Definitions {
        if let cached = models.withLock({ $0[brand] }), at.timeIntervalSince(cached.loaded) < cacheLifetime,
            at >= cached.loaded
        {
            return cached.definitions
        }
        let definitions = Definitions(
            scores: try await store.scoreModels(group: group, brand: brand),
            tags: try await store.tags(group: group, brand: brand).map(\.definition).filter { $0.derivation != nil },
            lifecycles: try await store.lifecycleModels(group: group, brand: brand))
        models.withLock { $0[brand] = (definitions, at) }
        return definitions
    }

    /// The real-time path: rescores `members` (their data just changed), records stage moves
    /// (`lifecycle.changed`), then updates their dynamic segments. Answers how many members' scores
    /// or stages changed.
    @discardableResult
    public func membersChanged(_ members: Set<MemberID>, group: GroupID, brand: BrandID, at: Date = Date())
        async throws -> Int
    {
        guard !members.isEmpty else { return 0 }
        let changed = try await derive(Array(members), group: group, brand: brand, at: at)
        try await segments.membersChanged(members, group: group, brand: brand, at: at)
        return changed
    }

    /// Rescores every member of the brand (in pages), then refreshes its dynamic segments in full;
    /// answers how many members' scores or stages changed. Idempotent: a second run changes nothing.
    @discardableResult
    public func recompute(group: GroupID, brand: BrandID, at: Date = Date()) async throws -> Int {
        let definitions = try await definitions(group: group, brand: brand, at: at)
        var changed = 0
        if !definitions.scores.isEmpty || !definitions.tags.isEmpty || !definitions.lifecycles.isEmpty {
            let context = try await segments.context(group: group, brand: brand, at: at)
            var cursor: MemberID?
            while true {
                let page = try await store.members(
                    matching: .and([]), group: group, brand: brand, context: context, after: cursor, limit: Self.page)
                changed += try await derive(page, group: group, brand: brand, at: at)
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

    /// Derives and stores the scores, computed tags and stages of `members`; answers how many changed.
    private func derive(_ members: [MemberID], group: GroupID, brand: BrandID, at: Date) async throws -> Int {
        let definitions = try await definitions(group: group, brand: brand, at: at)
        let scoring = MemberDerivation(
            scores: definitions.scores, tags: definitions.tags, lifecycles: definitions.lifecycles,
            context: try await segments.context(group: group, brand: brand, at: at))
        guard !scoring.isEmpty, !members.isEmpty else { return 0 }
        let facts = try await store.memberFacts(group: group, brand: brand, members: members, needs: scoring.needs)
        var changes: [DerivedStateChange] = []
        for stored in facts.values.sorted(by: { $0.id < $1.id }) {
            // A member who left the brand keeps nothing of it.
            var derived = stored
            if stored.inBrand {
                derived = scoring.derive(stored)
            } else {
                derived.scores = [:]
                derived.stages = [:]
                derived.derivedTags = [:]
            }
            if let change = DerivedStateChange(from: stored, to: derived) { changes.append(change) }
        }
        let sources = Dictionary(definitions.tags.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
        _ = try await store.applyDerivedChanges(changes, tagSources: sources, group: group, brand: brand, at: at)
        return changes.count
    }

    private func forget(_ brand: BrandID) { _ = models.withLock { $0.removeValue(forKey: brand) } }
}

extension DerivedStateService {
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
