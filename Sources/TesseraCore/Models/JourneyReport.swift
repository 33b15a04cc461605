import TesseraDomain

/// A journey's results over an attribution window: the funnel covered → notified → clicked → paid,
/// the orders and payments attributed to it by last touch (or last click), per node and per local day,
/// its top products, and each split branch against its control.
///
/// Attribution (last touch; `click` counts clicked messages only): a valid purchase of the brand (paid or partially refunded, paid minus
/// refunded) belongs to the latest message delivered to its member — by any journey of the brand —
/// within the window before it; of two delivered at the same microsecond, the one created later
/// (greater id) wins. A/B: a branch's member converts when they make a valid purchase of the brand
/// within the window after entering the branch, whether or not a message reached them, so holdout
/// controls are measured the same way.
public struct JourneyReport: Sendable, Hashable, Encodable {
    public var windowDays: Int
    public var model: AttributionModel
    /// Members who entered.
    public var covered: Int64
    /// Members with a delivered message.
    public var notified: Int64
    /// Members who followed a tracked link.
    public var clicked: Int64
    /// Members with an attributed order.
    public var buyers: Int64
    public var orders: Int64
    public var amountMinor: Int64
    public var nodes: [String: NodeResult]
    public var splits: [String: [BranchResult]]
    /// Per local day (the brand's time zone), oldest first: deliveries, clicks and attributed orders.
    public var daily: [DayResult]
    /// The attributed orders' ten best-selling products by amount.
    public var topProducts: [JourneyAttribution.Product]
    /// Coupons, points, growth and benefits the journey granted; coupons redeemed.
    public var loyalty: JourneyAttribution.Loyalty

    public struct DayResult: Sendable, Hashable, Encodable {
        /// `2026-11-24`.
        public var day: String
        public var delivered: Int64
        public var clicked: Int64
        public var orders: Int64
        public var buyers: Int64
        public var amountMinor: Int64
    }

    public struct NodeResult: Sendable, Hashable, Encodable {
        public var delivered: Int64
        public var clicked: Int64
        public var orders: Int64
        public var buyers: Int64
        public var amountMinor: Int64
    }

    public struct BranchResult: Sendable, Hashable, Encodable {
        public var branch: String
        public var members: Int64
        public var converted: Int64
        public var rate: Double
        /// Against the split's control branch (the one without `next`); nil for the control itself.
        public var versusControl: Comparison?
    }

    public struct Comparison: Sendable, Hashable, Encodable {
        public var difference: Double
        public var z: Double
        public var pValue: Double
        public var confidenceLow: Double
        public var confidenceHigh: Double
        public var significant: Bool
    }

    public init(
        windowDays: Int, model: AttributionModel, covered: Int64, notified: Int64, clicked: Int64, buyers: Int64,
        orders: Int64, amountMinor: Int64, nodes: [String: NodeResult], splits: [String: [BranchResult]],
        daily: [DayResult], topProducts: [JourneyAttribution.Product], loyalty: JourneyAttribution.Loyalty
    ) {
        self.loyalty = loyalty
        self.windowDays = windowDays
        self.model = model
        self.covered = covered
        self.notified = notified
        self.clicked = clicked
        self.daily = daily
        self.topProducts = topProducts
        self.buyers = buyers
        self.orders = orders
        self.amountMinor = amountMinor
        self.nodes = nodes
        self.splits = splits
    }
}
