/// One change to a member's shopping cart, read from an add-to-cart or remove-from-cart event.
///
/// The events follow Segment's e-commerce spec (`Product Added`, `Product Removed`) whatever API
/// they arrive through. A member's cart in a brand is then, per SKU, the quantity added minus the
/// quantity removed since the member's latest valid purchase of that SKU in the brand (a purchase
/// without order lines clears the whole cart); lines that come to zero or less are not in it.
public struct CartChange: Sendable, Hashable {
    /// The event names that change a cart.
    public static let addedEvent = "Product Added"
    public static let removedEvent = "Product Removed"
    public static let eventNames: Set<String> = [addedEvent, removedEvent]

    /// The line the change is about, with the price when the event was sent.
    public var item: OrderItem
    /// Positive for an add, negative for a removal.
    public var quantityDelta: Int64
    /// ISO 4217 code of `item.unitPriceMinor`.
    public var currency: String

    public init(item: OrderItem, quantityDelta: Int64, currency: String) {
        self.item = item
        self.quantityDelta = quantityDelta
        self.currency = currency
    }
}
