/// Valid purchases of the rule's brand: orders paid or partially refunded (wholly refunded and
/// unpaid orders never count), at their payment time.
///
/// With an item filter, an order counts when one of its lines matches, and `amount` sums the
/// matching lines (quantity × unit price); without one, `amount` is the paid amount net of refunds.
public struct PurchaseCondition: Sendable, Hashable {
    public var category: String?
    public var sku: String?
    public var product: String?
    public var productBrand: String?
    public var channel: String?
    public var store: String?
    public var window: TimeWindow?
    public var measure: Measure

    /// What is compared: the number of orders or their amount in minor units.
    public enum Measure: Sendable, Hashable {
        case count(NumberTest)
        case amount(NumberTest)
    }

    public init(
        category: String? = nil, sku: String? = nil, product: String? = nil, productBrand: String? = nil,
        channel: String? = nil, store: String? = nil, window: TimeWindow? = nil, measure: Measure = .count(.atLeastOnce)
    ) {
        self.category = category
        self.sku = sku
        self.product = product
        self.productBrand = productBrand
        self.channel = channel
        self.store = store
        self.window = window
        self.measure = measure
    }

    /// True when the condition looks at order lines.
    public var filtersItems: Bool { category != nil || sku != nil || product != nil || productBrand != nil }

    public func matches(_ item: OrderItemFact) -> Bool {
        (category == nil || item.category == category) && (sku == nil || item.sku == sku)
            && (product == nil || item.product == product) && (productBrand == nil || item.brand == productBrand)
    }
}
