public import Foundation
import Synchronization
public import TesseraDomain

/// The ingest use case: validated messages in, one atomic write per batch, a per-message report out.
///
/// Invalid messages never reach the store; the valid ones of the same batch are written. The
/// Segment-compatible endpoints only ``validate(_:group:brand:)`` and append to the ``IngestLog``;
/// the projector later calls ``write(_:group:receivedAt:)`` with many requests' messages at once.
public final class IngestService: Sendable {
    private let store: any TesseraStore
    private let ids: any IDGenerator
    private let policies = Mutex<[GroupID: (policy: IdentityPolicy, loaded: Date)]>([:])
    private let attributes = Mutex<[BrandID: (definitions: [String: AttributeDefinition], loaded: Date)]>([:])
    private let afterWrite: AfterWrite?

    /// Called after each committed write with the members it touched, per brand: how dynamic
    /// segments follow the data (``SegmentService/membersChanged(_:group:brand:at:)``). It runs after
    /// the commit, so a failure there never undoes an ingest; the scheduled full refresh repairs it.
    public typealias AfterWrite = @Sendable (GroupID, [BrandID: Set<MemberID>]) async -> Void

    public init(store: any TesseraStore, ids: any IDGenerator = TimeOrderedIDGenerator(), afterWrite: AfterWrite? = nil)
    {
        self.store = store
        self.ids = ids
        self.afterWrite = afterWrite
    }

    /// Ingests `items` (each a message or the field errors that made it invalid) for `principal`'s group,
    /// synchronously: when this returns, the valid messages are in the member store.
    public func ingest(_ items: [Result<IngestMessage, FieldErrorList>], principal: Principal) async throws
        -> IngestResult
    {
        let items = try await validate(items, group: principal.groupID, brand: principal.brandID)
        let planned = try await write(items.compactMap { try? $0.get() }, group: principal.groupID, receivedAt: Date())
        var outcomes = (planned?.outcomes ?? []).makeIterator()
        return IngestResult(
            results: items.enumerated().map { index, item in
                switch item {
                case .failure(let errors):
                    return IngestResult.Item(index: index, status: "rejected", errors: errors.records)
                case .success:
                    switch outcomes.next() {
                    case .accepted(let member):
                        return IngestResult.Item(index: index, status: "accepted", memberID: member)
                    case .duplicate, nil: return IngestResult.Item(index: index, status: "duplicate")
                    }
                }
            })
    }

    /// Writes valid messages of one group in one transaction: identity resolution, events, orders and
    /// member aggregates. `nil` when there was nothing to write.
    @discardableResult
    public func write(_ messages: [IngestMessage], group: GroupID, receivedAt: Date) async throws -> IngestPlan? {
        guard !messages.isEmpty else { return nil }
        let planner = IngestPlanner(resolver: IdentityResolver(policy: try await policy(for: group)), ids: ids)
        let plan = try await store.ingest(group: group, messages: messages, receivedAt: receivedAt) { snapshot, known in
            planner.plan(messages, snapshot: snapshot, knownKeys: known)
        }
        if let afterWrite {
            var touched: [BrandID: Set<MemberID>] = [:]
            for (message, outcome) in zip(messages, plan.outcomes) {
                if case .accepted(let member?) = outcome, let brand = message.brandID {
                    touched[brand, default: []].insert(member)
                }
            }
            if !touched.isEmpty { await afterWrite(group, touched) }
        }
        return plan
    }

    /// Checks what the mappers cannot: custom attributes must be declared for the brand and of the
    /// declared type (values are coerced to it). Messages that fail become field errors.
    public func validate(_ items: [Result<IngestMessage, FieldErrorList>], group: GroupID, brand: BrandID)
        async throws -> [Result<IngestMessage, FieldErrorList>]
    {
        let used = items.contains { item in
            guard case .success(let message) = item else { return false }
            return !(message.profile?.attributes.isEmpty ?? true)
        }
        guard used else { return items }
        let definitions = try await attributeDefinitions(group: group, brand: brand)
        return items.map { item in
            guard case .success(var message) = item, let given = message.profile?.attributes, !given.isEmpty else {
                return item
            }
            var errors: [FieldError] = []
            var coerced: [String: JSONValue] = [:]
            for (name, value) in given.sorted(by: { $0.key < $1.key }) {
                guard let definition = definitions[name] else {
                    errors.append(
                        FieldError(
                            path: "$.attributes.\(name)",
                            reason:
                                "is not a declared attribute of this brand (declare it with POST /api/v1/attributes)"))
                    continue
                }
                switch definition.coerce(value) {
                case .success(let typed): coerced[name] = typed
                case .failure(let error):
                    errors.append(FieldError(path: "$.attributes.\(name)", reason: error.description))
                }
            }
            guard errors.isEmpty else { return .failure(FieldErrorList(errors)) }
            message.profile?.attributes = coerced
            return .success(message)
        }
    }

    /// A brand's attribute definitions, cached for a few seconds so a new declaration is seen soon.
    public func attributeDefinitions(group: GroupID, brand: BrandID) async throws -> [String: AttributeDefinition] {
        if let cached = attributes.withLock({ $0[brand] }), cached.loaded.timeIntervalSinceNow > -5 {
            return cached.definitions
        }
        let loaded = try await store.attributeDefinitions(group: group, brand: brand)
        let definitions = Dictionary(loaded.map { ($0.name, $0) }) { $1 }
        attributes.withLock { $0[brand] = (definitions, Date()) }
        return definitions
    }

    /// The group's identity policy, cached for a few seconds: a change made through another server
    /// process is seen soon; one made through this process at once (``invalidatePolicies()``).
    public func policy(for group: GroupID) async throws -> IdentityPolicy {
        if let cached = policies.withLock({ $0[group] }), cached.loaded.timeIntervalSinceNow > -5 {
            return cached.policy
        }
        let loaded = try await store.identityPolicy(group: group)
        policies.withLock { $0[group] = (loaded, Date()) }
        return loaded
    }

    /// Forgets cached policies after an operator changes one.
    public func invalidatePolicies() { policies.withLock { $0.removeAll() } }
}

/// The field errors of one rejected message.
public struct FieldErrorList: Error, Sendable, Hashable {
    public var errors: [FieldError]
    public init(_ errors: [FieldError]) { self.errors = errors }
    public var records: [FieldErrorRecord] { errors.map { FieldErrorRecord(path: $0.path, reason: $0.reason) } }
}
