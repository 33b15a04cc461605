extension SegmentRule {
    /// Which of a member's collections a rule reads, so the real-time path loads only those.
    public struct Needs: Sendable, Hashable {
        public var tags = false
        public var events = false
        public var orders = false
        public var lots = false
        public var coupons = false

        public init() {}

        /// Everything: for a member 360 view or a rule not known in advance.
        public static var all: Needs {
            var needs = Needs()
            needs.tags = true
            needs.events = true
            needs.orders = true
            needs.lots = true
            needs.coupons = true
            return needs
        }
    }

    public var needs: Needs {
        var needs = Needs()
        collect(into: &needs)
        return needs
    }

    private func collect(into needs: inout Needs) {
        switch self {
        case .and(let rules), .or(let rules): rules.forEach { $0.collect(into: &needs) }
        case .not(let rule): rule.collect(into: &needs)
        case .compare(let comparison): if comparison.subject == .field(.couponsHeld) { needs.coupons = true }
        case .event, .sequence: needs.events = true
        case .purchase: needs.orders = true
        case .tag: needs.tags = true
        case .birthday: break
        case .pointsExpiring: needs.lots = true
        }
    }
}
