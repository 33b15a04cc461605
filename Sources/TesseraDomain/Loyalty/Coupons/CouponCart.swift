/// A cart a coupon is checked against: where it is bought, its lines and its shipping fee.
public struct CouponCart: Sendable, Hashable, Codable {
    public var channel: String
    public var store: String?
    public var items: [OrderItem]
    public var shippingMinor: Int64

    public init(channel: String, store: String? = nil, items: [OrderItem], shippingMinor: Int64 = 0) {
        self.channel = channel
        self.store = store
        self.items = items
        self.shippingMinor = shippingMinor
    }

    private enum CodingKeys: String, CodingKey { case channel, store, items, shippingMinor }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            channel: try container.decode(String.self, forKey: .channel),
            store: try container.decodeIfPresent(String.self, forKey: .store),
            items: try container.decode([OrderItem].self, forKey: .items),
            shippingMinor: try container.decodeIfPresent(Int64.self, forKey: .shippingMinor) ?? 0)
    }
}

/// What a coupon takes off a cart.
public struct CouponQuote: Sendable, Hashable, Codable {
    public var discountMinor: Int64
    public var giftSKU: String?
    public var freeShipping: Bool

    public init(discountMinor: Int64, giftSKU: String? = nil, freeShipping: Bool = false) {
        self.discountMinor = discountMinor
        self.giftSKU = giftSKU
        self.freeShipping = freeShipping
    }
}
