/// A change asked of a stored-value account (``StoredValueAccount/apply(_:id:reason:source:idempotencyKey:at:)``).
public enum StoredValueOperation: Sendable {
    /// Pays in `principal`, and the brand adds `bonus` (充值送).
    case topUp(principal: Int64, bonus: Int64)
    /// Spends `amount`, taken from principal and bonus in proportion to what the account holds.
    case spend(Int64)
    /// Gives back up to `amount` of the spend `spend` (what it took, minus what was refunded
    /// already), in the spend's own principal/bonus proportion.
    case refund(Int64, spend: StoredValueEntry, refundedSoFar: (principal: Int64, bonus: Int64))
    /// Pays out the remaining principal; the bonus is forfeited.
    case cashOut
    /// An operator's correction to the principal (negative: never below zero).
    case adjust(Int64)

    /// Largest amount one operation may move (¥10 billion in fen): keeps every sum far from overflow.
    public static let maximumMinor: Int64 = 1_000_000_000_000
}
