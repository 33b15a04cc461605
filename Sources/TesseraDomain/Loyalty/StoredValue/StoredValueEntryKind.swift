/// Why a stored-value ledger entry exists.
public enum StoredValueEntryKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Money paid in, with any bonus the brand adds.
    case topUp = "top_up"
    /// Money spent on an order.
    case spend
    /// A spend given back (its order was refunded), in the same principal/bonus split.
    case refund
    /// The member takes the remaining principal back; the bonus is forfeited.
    case cashOut = "cash_out"
    /// An operator's correction.
    case adjust

    /// The domain event an entry of this kind emits.
    public var eventName: String { "stored_value." + rawValue }
}
