public import TesseraDomain

/// An order or event waiting to earn: queued by the ingest path in the transaction that wrote it,
/// taken by the loyalty worker (see `EarningService`).
public struct LoyaltyQueueItem: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// `ref` is an order id: its points and growth are reconciled with its current state.
        case order
        /// `ref` is an event id: the event rule naming it earns once.
        case event
        /// `ref` is `<merged member>/<brand>`: the merged member's points, growth and tier in the
        /// brand move to the member they were merged into.
        case merge
    }

    public var group: GroupID
    public var kind: Kind
    public var ref: String

    public init(group: GroupID, kind: Kind, ref: String) {
        self.group = group
        self.kind = kind
        self.ref = ref
    }
}
