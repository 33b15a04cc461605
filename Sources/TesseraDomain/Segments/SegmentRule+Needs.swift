extension SegmentRule {
    /// Which of a member's collections a rule reads, so the real-time path loads only those.
    public struct Needs: Sendable, Hashable {
        public var tags = false
        public var segments = false
        public var events = false
        public var orders = false
        public var lots = false
        public var coupons = false
        /// The current cart's lines.
        public var cart = false
        /// Stored behaviour scores.
        public var scores = false
        /// Stored lifecycle stages.
        public var stages = false
        /// The brand account beside the member row — tier, growth, points and stored-value balances,
        /// RFM group, follow status — one lookup per member in each of five tables.
        public var account = false
        /// Events before this instant (microseconds) cannot change the answer and need not be loaded;
        /// nil loads them all. See ``SegmentRule/horizon(in:)``.
        public var eventsSince: Int64?
        /// Orders purchased (paid, else placed) before this instant need not be loaded; nil loads all.
        public var ordersSince: Int64?

        public init() {}

        /// Adds what `other` reads: the collections either reads, and the earlier of the horizons of
        /// those that read events or orders (nil, everything, wins).
        public mutating func formUnion(_ other: Needs) {
            func earlier(_ mine: (Bool, Int64?), _ theirs: (Bool, Int64?)) -> Int64? {
                switch (mine.0, theirs.0) {
                case (true, true): mine.1.flatMap { a in theirs.1.map { min(a, $0) } }
                case (true, false): mine.1
                case (false, true): theirs.1
                case (false, false): nil
                }
            }
            eventsSince = earlier((events, eventsSince), (other.events, other.eventsSince))
            ordersSince = earlier((orders, ordersSince), (other.orders, other.ordersSince))
            tags = tags || other.tags
            segments = segments || other.segments
            events = events || other.events
            orders = orders || other.orders
            lots = lots || other.lots
            coupons = coupons || other.coupons
            cart = cart || other.cart
            scores = scores || other.scores
            stages = stages || other.stages
            account = account || other.account
        }

        /// Everything: for a member 360 view or a rule not known in advance.
        public static var all: Needs {
            var needs = Needs()
            needs.tags = true
            needs.segments = true
            needs.events = true
            needs.orders = true
            needs.lots = true
            needs.coupons = true
            needs.cart = true
            needs.scores = true
            needs.stages = true
            needs.account = true
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
        case .compare(let comparison):
            switch comparison.subject {
            case .field(.couponsHeld): needs.coupons = true
            case .field(.cartQuantity), .field(.cartValue), .field(.cartUpdatedAt): needs.cart = true
            case .field(let field) where MemberField.accountFields.contains(field): needs.account = true
            default: break
            }
        case .event, .sequence: needs.events = true
        case .purchase: needs.orders = true
        case .tag: needs.tags = true
        case .segment: needs.segments = true
        case .rfm: needs.account = true
        case .birthday: break
        case .pointsExpiring: needs.lots = true
        case .score: needs.scores = true
        case .lifecycle: needs.stages = true
        }
    }

    /// The ids of the stored segments the rule reads.
    public var referencedSegments: Set<String> {
        switch self {
        case .and(let rules), .or(let rules): rules.reduce(into: Set<String>()) { $0.formUnion($1.referencedSegments) }
        case .not(let rule): rule.referencedSegments
        case .segment(let id): [id]
        default: []
        }
    }

    /// The earliest event and purchase times any condition of the rule looks at under `context`
    /// (`Int64.min`: all of them; `Int64.max`: none), so the real-time path loads only what can
    /// change its answer: a rule about the last 30 days never needs a member's older events.
    public func horizon(in context: EvaluationContext) -> (events: Int64, orders: Int64) {
        func start(_ window: TimeWindow?) -> Int64 { window?.bounds(in: context).from ?? Int64.min }
        switch self {
        case .and(let rules), .or(let rules):
            return rules.reduce((Int64.max, Int64.max)) { sum, rule in
                let next = rule.horizon(in: context)
                return (min(sum.0, next.events), min(sum.1, next.orders))
            }
        case .not(let rule): return rule.horizon(in: context)
        case .event(let condition): return (start(condition.window), Int64.max)
        // The follow-up events of a sequence come after its first event.
        case .sequence(let condition): return (start(condition.window), Int64.max)
        case .purchase(let condition): return (Int64.max, start(condition.window))
        default: return (Int64.max, Int64.max)
        }
    }

    /// Whether any condition of the rule satisfies `test` (e.g. "reads a lifecycle").
    public func contains(where test: (SegmentRule) -> Bool) -> Bool {
        if test(self) { return true }
        switch self {
        case .and(let rules), .or(let rules): return rules.contains { $0.contains(where: test) }
        case .not(let rule): return rule.contains(where: test)
        default: return false
        }
    }
}

extension SegmentRule.Needs {
    /// What any of `needs` reads (``formUnion(_:)`` of them all).
    public static func union(_ needs: [Self]) -> Self {
        var all = Self()
        for more in needs { all.formUnion(more) }
        return all
    }
}
