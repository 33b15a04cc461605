public import TesseraDomain

/// The raw figures a ``JourneyReport`` is computed from (see ``JourneyStore/journeyAttribution(group:brand:journeyID:window:splitNodes:model:)``).
public struct JourneyAttribution: Sendable, Hashable {
    public struct Order: Sendable, Hashable {
        public var member: MemberID
        public var node: String
        public var amountMinor: Int64
        /// When it was paid (micros).
        public var purchasedAt: Int64
    }

    public struct Branch: Sendable, Hashable {
        public var node: String
        public var branch: String
        public var members: Int64
        public var converted: Int64
    }

    /// A product of the attributed orders.
    public struct Product: Sendable, Hashable, Encodable {
        public var sku: String
        public var name: String?
        public var quantity: Int64
        public var amountMinor: Int64
        public var orders: Int64
    }

    /// Messages delivered and clicked (of one node, or in one quarter hour).
    public struct Messages: Sendable, Hashable {
        public var delivered: Int64 = 0
        public var clicked: Int64 = 0
    }

    /// What the journey's grant nodes gave, and how much of it was used.
    public struct Loyalty: Sendable, Hashable, Encodable {
        public var couponsIssued: Int64 = 0
        /// Of the coupons issued, those redeemed, and the discount they gave.
        public var couponsRedeemed: Int64 = 0
        public var couponDiscountMinor: Int64 = 0
        public var pointsIssued: Int64 = 0
        public var growthIssued: Int64 = 0
        public var benefitsGranted: Int64 = 0
    }

    public var loyalty = Loyalty()
    public var covered: Int64 = 0
    public var notified: Int64 = 0
    /// Members who followed a tracked link.
    public var clicked: Int64 = 0
    public var orders: [Order] = []
    public var branches: [Branch] = []
    /// The top ten products of the attributed orders by amount.
    public var products: [Product] = []
    /// Per node.
    public var messages: [String: Messages] = [:]
    /// Per quarter hour (micros / 900 s), to fold into local days in any time zone.
    public var byQuarterHour: [Int64: Messages] = [:]

    public init() {}
}
