/// Everything a rule can ask about one member of one brand, as stored: what the real-time path
/// loads before evaluating a rule in memory. Times are microseconds since 1970, money minor units.
public struct MemberFacts: Sendable, Hashable {
    public var id: String
    /// Known to the brand (`member_brands`): only such members are in the brand's segments, whatever
    /// the rule says — the population both evaluators start from.
    public var inBrand: Bool
    /// The member's name (for messages; rules do not read it).
    public var name: String?
    /// Text profile fields present on the member (gender, city, …, tier); absent means missing.
    public var texts: [MemberField: String]
    public var registered: Bool
    /// Time fields present on the member (joinedAt, firstOrderAt, …).
    public var times: [MemberField: Int64]
    public var orderCount: Int64
    public var totalSpend: Int64
    public var eventCount: Int64
    public var points: Int64
    public var growth: Int64
    public var storedValue: Int64
    /// Consent per channel (`members.consent`): `sms`, `email`, `wechat`…; absent is no consent.
    public var consent: [String: Bool]
    /// Custom attributes (`members.attributes`).
    public var attributes: [String: JSONValue]
    /// Birthday as stored, `YYYY-MM-DD`.
    public var birthday: String?
    public var tags: Set<String>
    /// The tags rule and behaviour tag definitions gave, by definition name (a subset of `tags`).
    public var derivedTags: [String: Set<String>]
    /// Ids of the stored segments the member is in.
    public var segments: Set<String>
    public var events: [EventFact]
    public var orders: [OrderFact]
    public var lots: [LotFact]
    public var coupons: [CouponFact]
    /// The lines of the member's current cart in the brand (``CartChange``).
    public var cart: [CartLineFact]
    /// Behaviour score name → value (a score never counted is absent, read as 0).
    public var scores: [String: Int64]
    /// Lifecycle model name → the member's stage.
    public var stages: [String: String]
    /// The group of the brand's latest RFM computation, if the member was in it.
    public var rfmGroup: RFMGroup?

    public init(id: String) {
        self.id = id
        inBrand = true
        name = nil
        texts = [:]
        registered = false
        times = [:]
        orderCount = 0
        totalSpend = 0
        eventCount = 0
        points = 0
        growth = 0
        storedValue = 0
        attributes = [:]
        consent = [:]
        birthday = nil
        tags = []
        derivedTags = [:]
        segments = []
        events = []
        orders = []
        lots = []
        coupons = []
        cart = []
        scores = [:]
        stages = [:]
        rfmGroup = nil
    }

    /// Items in the cart (the lines' quantities summed).
    public var cartQuantity: Int64 { cart.reduce(0) { $0 + $1.quantity } }
    /// The cart's value at each line's latest price, in minor units.
    public var cartValueMinor: Int64 { cart.reduce(0) { $0 + $1.quantity * $1.unitPriceMinor } }
    /// The cart's latest change; nil for an empty cart.
    public var cartUpdatedAt: Int64? { cart.map(\.updatedAt).max() }
}

/// One behaviour event of the member in the brand.
public struct EventFact: Sendable, Hashable {
    public var name: String
    public var channel: String
    public var occurredAt: Int64
    public var properties: [String: JSONValue]

    public init(name: String, channel: String, occurredAt: Int64, properties: [String: JSONValue] = [:]) {
        self.name = name
        self.channel = channel
        self.occurredAt = occurredAt
        self.properties = properties
    }
}

/// One order of the member in the brand.
public struct OrderFact: Sendable, Hashable {
    public var status: OrderStatus
    public var channel: String
    public var store: String?
    public var paidMinor: Int64
    public var refundedMinor: Int64
    public var placedAt: Int64
    public var paidAt: Int64?
    public var items: [OrderItemFact]

    public init(
        status: OrderStatus, channel: String, store: String?, paidMinor: Int64, refundedMinor: Int64, placedAt: Int64,
        paidAt: Int64?, items: [OrderItemFact]
    ) {
        self.status = status
        self.channel = channel
        self.store = store
        self.paidMinor = paidMinor
        self.refundedMinor = refundedMinor
        self.placedAt = placedAt
        self.paidAt = paidAt
        self.items = items
    }

    /// Paid or partially refunded: the orders every purchase aggregate counts.
    public var isValidPurchase: Bool { status == .paid || status == .partiallyRefunded }
    /// When the purchase happened: payment time, else placement.
    public var purchasedAt: Int64 { paidAt ?? placedAt }
}

/// One order line.
public struct OrderItemFact: Sendable, Hashable {
    public var sku: String
    public var product: String?
    public var category: String?
    public var brand: String?
    public var quantity: Int64
    public var unitPriceMinor: Int64

    public init(
        sku: String, product: String? = nil, category: String? = nil, brand: String? = nil, quantity: Int64,
        unitPriceMinor: Int64
    ) {
        self.sku = sku
        self.product = product
        self.category = category
        self.brand = brand
        self.quantity = quantity
        self.unitPriceMinor = unitPriceMinor
    }
}

/// One line of the member's current cart.
public struct CartLineFact: Sendable, Hashable {
    public var sku: String
    public var productID: String?
    public var name: String?
    public var category: String?
    public var quantity: Int64
    /// The price in the line's latest change, in minor units of `currency`.
    public var unitPriceMinor: Int64
    public var currency: String
    /// The first change counted in the line (after the latest checkout of the SKU).
    public var addedAt: Int64
    /// The line's latest change.
    public var updatedAt: Int64

    public init(
        sku: String, productID: String? = nil, name: String? = nil, category: String? = nil, quantity: Int64,
        unitPriceMinor: Int64, currency: String = "CNY", addedAt: Int64? = nil, updatedAt: Int64
    ) {
        self.sku = sku
        self.productID = productID
        self.name = name
        self.category = category
        self.quantity = quantity
        self.unitPriceMinor = unitPriceMinor
        self.currency = currency
        self.addedAt = addedAt ?? updatedAt
        self.updatedAt = updatedAt
    }
}

/// One points lot with points left.
public struct LotFact: Sendable, Hashable {
    public var expiresAt: Int64?
    public var remaining: Int64

    public init(expiresAt: Int64?, remaining: Int64) {
        self.expiresAt = expiresAt
        self.remaining = remaining
    }
}

/// One coupon held (any status).
public struct CouponFact: Sendable, Hashable {
    public var status: String
    public var validFrom: Int64
    public var validUntil: Int64

    public init(status: String, validFrom: Int64, validUntil: Int64) {
        self.status = status
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// Issued and inside its validity at `now` (`valid_until` is exclusive).
    public func isUsable(at now: Int64) -> Bool { status == "issued" && validFrom <= now && now < validUntil }
}
