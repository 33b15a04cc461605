public import Foundation

/// One immutable change to a member's points: the ledger is the list of these.
///
/// `points` is the change to the spendable balance and `debt` the change to the debt (points
/// owed after a claw-back found them already spent), so for every account
/// `balance == Σ points == Σ lot.remaining` and `debt == Σ debt`, both never negative.
/// ```swift
/// // Refund claws back 100 of which 30 are left: points −30, debt +70.
/// // The next earning of 200 settles the debt first: points +130, debt −70, one lot of 130.
/// ```
public struct PointsEntry: Sendable, Hashable, Codable {
    public var id: String
    public var kind: PointsEntryKind
    public var points: Int64
    public var debt: Int64
    public var reason: String
    public var source: PointsSource
    public var idempotencyKey: String
    public var occurredAt: Date
    /// The lot this entry created, if it earned.
    public var createdLot: PointsLot?
    /// The lots this entry consumed, in order.
    public var consumed: [PointsConsumption]

    public init(
        id: String, kind: PointsEntryKind, points: Int64, debt: Int64, reason: String, source: PointsSource,
        idempotencyKey: String, occurredAt: Date, createdLot: PointsLot? = nil, consumed: [PointsConsumption] = []
    ) {
        self.id = id
        self.kind = kind
        self.points = points
        self.debt = debt
        self.reason = reason
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.occurredAt = occurredAt
        self.createdLot = createdLot
        self.consumed = consumed
    }
}
