public import Foundation

/// One immutable stored-value ledger entry: the change to the paid-in `principal` and the
/// brand-given `bonus`, in minor units.
public struct StoredValueEntry: Sendable, Hashable, Codable {
    public var id: String
    public var kind: StoredValueEntryKind
    public var principal: Int64
    public var bonus: Int64
    public var reason: String
    public var source: PointsSource
    public var idempotencyKey: String
    public var occurredAt: Date
    /// For a refund: the spend it gives back.
    public var refundOf: String?

    public init(
        id: String, kind: StoredValueEntryKind, principal: Int64, bonus: Int64, reason: String, source: PointsSource,
        idempotencyKey: String, occurredAt: Date, refundOf: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.principal = principal
        self.bonus = bonus
        self.reason = reason
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.occurredAt = occurredAt
        self.refundOf = refundOf
    }

    /// The change to what the member can spend.
    public var amount: Int64 { principal + bonus }
}
