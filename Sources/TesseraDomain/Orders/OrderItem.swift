/// One order line. Prices are in minor units of the order's currency.
public struct OrderItem: Sendable, Hashable, Codable {
    public var sku: String
    public var productID: String?
    public var name: String?
    public var category: String?
    public var brand: String?
    public var quantity: Int
    public var unitPriceMinor: Int64

    public init(
        sku: String, productID: String? = nil, name: String? = nil, category: String? = nil, brand: String? = nil,
        quantity: Int, unitPriceMinor: Int64
    ) {
        self.sku = sku
        self.productID = productID
        self.name = name
        self.category = category
        self.brand = brand
        self.quantity = quantity
        self.unitPriceMinor = unitPriceMinor
    }
}
