public import Foundation

/// Everything one batch will write, decided before any write happens. A store applies it in one
/// transaction, so a batch is all-or-nothing and the decision logic exists once, here.
public struct IngestPlan: Sendable {
    /// Members created by this batch.
    public var newMembers: [MemberID] = []
    /// Identifiers to insert, with their final owner.
    public var identifiers: [(identifier: Identifier, member: MemberID)] = []
    /// Existing prospects folded into a survivor.
    public var merges: [(survivor: MemberID, merged: MemberID)] = []
    public var candidates: [MergeCandidateProposal] = []
    public var events: [PlannedEvent] = []
    public var orders: [(member: MemberID?, order: OrderInput, brandID: BrandID?)] = []
    /// Row changes for every member touched by the batch, keyed by final member id.
    public var memberDeltas: [MemberID: MemberDelta] = [:]
    /// One outcome per input message, in input order.
    public var outcomes: [MessageOutcome] = []

    public init() {}
}

/// An event row to insert.
public struct PlannedEvent: Sendable, Hashable {
    public var id: EventID
    public var idempotencyKey: String
    public var member: MemberID?
    public var kind: MessageKind
    public var name: String?
    public var channel: String
    public var brandID: BrandID?
    public var occurredAt: Date
    public var properties: JSONValue
    /// The cart line an add-to-cart or remove-from-cart event changes.
    public var cart: CartChange?
}

/// What happened to one message of a batch.
public enum MessageOutcome: Sendable, Hashable {
    case accepted(member: MemberID?)
    /// Its idempotency key was seen before (or earlier in the same batch): no effect.
    case duplicate
}
