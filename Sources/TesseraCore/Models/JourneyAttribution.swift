public import TesseraDomain

/// The raw figures a ``JourneyReport`` is computed from (see ``JourneyStore/journeyAttribution(group:brand:journeyID:window:splitNodes:)``).
public struct JourneyAttribution: Sendable, Hashable {
    public struct Order: Sendable, Hashable {
        public var member: MemberID
        public var node: String
        public var amountMinor: Int64
    }

    public struct Branch: Sendable, Hashable {
        public var node: String
        public var branch: String
        public var members: Int64
        public var converted: Int64
    }

    public var covered: Int64 = 0
    public var notified: Int64 = 0
    public var orders: [Order] = []
    public var branches: [Branch] = []

    public init() {}
}
