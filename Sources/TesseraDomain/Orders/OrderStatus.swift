/// Where an order is in its life. Status only moves forward, so replayed or late updates
/// cannot undo a newer state.
public enum OrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case placed
    case paid
    case partiallyRefunded = "partially_refunded"
    case refunded
    case cancelled

    /// The event name an order message without one is recorded under (Segment's ecommerce spec names),
    /// so journeys and segments treat native and Segment orders alike.
    public var eventName: String {
        switch self {
        case .placed: "Order Placed"
        case .paid: "Order Completed"
        case .partiallyRefunded, .refunded: "Order Refunded"
        case .cancelled: "Order Cancelled"
        }
    }

    /// Position in the forward order of states.
    var stage: Int {
        switch self {
        case .placed: 0
        case .paid: 1
        case .partiallyRefunded: 2
        case .refunded, .cancelled: 3
        }
    }

    /// Paid orders that were not fully refunded count as valid purchases.
    public var countsAsPurchase: Bool { self == .paid || self == .partiallyRefunded }
}
