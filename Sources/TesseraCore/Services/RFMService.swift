public import Foundation
public import TesseraDomain

/// RFM over a brand's valid purchases (SPEC §5): per member the figures `lifetimes` computes
/// (frequency, recency, T, monetary value, over local days), R/F/M quintile scores and the named
/// group, recomputed on demand (and by the refresh job on schedule).
public struct RFMService: Sendable {
    public let store: any RFMStore & PointsStore
    /// Purchases read per page; a page grows when one member alone has more (bounds memory, since
    /// a page and one summary per member are all a computation holds).
    let pageSize: Int

    public init(store: any RFMStore & PointsStore, pageSize: Int = 100_000) {
        self.store = store
        self.pageSize = pageSize
    }

    /// What one computation did and where its time went.
    public struct Run: Sendable {
        public var members: Int
        public var purchases: Int
        /// Reading the purchases from the database.
        public var read: Duration
        /// Grouping by day, summarising and scoring in memory.
        public var compute: Duration
        /// Replacing the stored scores.
        public var write: Duration
    }

    /// Recomputes the brand's scores as of the local day `endDay` (default: today in the brand's time
    /// zone), over purchases from `startDay` (default: the brand's window — the last
    /// ``RFMSettings/windowDays`` local days up to `endDay` — or all history without one).
    @discardableResult
    public func compute(group: GroupID, brand: BrandID, endDay: Int64? = nil, startDay: Int64? = nil, at: Date = Date())
        async throws -> Run
    {
        let clock = ContinuousClock()
        var computing = Duration.zero
        var reading = Duration.zero
        var purchaseCount = 0
        let zone = try await store.loyaltyProgram(group: group, brand: brand).program.calendar.timeZone
        let today = RFMCalculator(timeZone: zone, endDay: 0).localDay(of: Timestamp.micros(at))
        let end = endDay ?? today
        var start = startDay
        if start == nil, let window = try await store.rfmSettings(group: group, brand: brand).windowDays {
            start = end - Int64(window) + 1
        }
        let calculator = RFMCalculator(timeZone: zone, endDay: end, startDay: start)
        var summaries: [RFMSummary] = []
        var member: String?
        var purchases: [(at: Int64, amountMinor: Int64)] = []
        func close() {
            if let member, let summary = calculator.summary(member: member, purchases: purchases) {
                summaries.append(summary)
            }
            purchases.removeAll(keepingCapacity: true)
        }
        var after: String?
        var limit = pageSize
        while true {
            let readStart = clock.now
            let page = try await store.purchasePage(group: group, brand: brand, after: after, limit: limit)
            let computeStart = clock.now
            reading += computeStart - readStart
            defer { computing += clock.now - computeStart }
            let full = page.count == limit
            // A full page's last member may go on: it is read whole with the next page.
            let trailing = page.last?.member
            let whole = full ? page.prefix(while: { $0.member != trailing }) : page[...]
            if full && whole.isEmpty {
                // One member has more purchases than a page holds.
                limit *= 2
                continue
            }
            purchaseCount += whole.count
            for row in whole {
                if row.member != member {
                    close()
                    member = row.member
                }
                purchases.append((row.at, row.amountMinor))
            }
            guard full, let last = whole.last else { break }
            after = last.member
        }
        let computeStart = clock.now
        close()
        let scores = RFMCalculator.score(summaries)
        let writeStart = clock.now
        computing += writeStart - computeStart
        try await store.replaceRFM(scores, group: group, brand: brand, at: at)
        return Run(
            members: summaries.count, purchases: purchaseCount, read: reading, compute: computing,
            write: clock.now - writeStart)
    }

    /// The scheduled pass: recomputes, as of today, each brand of `groups` whose RFM is scheduled and
    /// last ran a day or more ago (claimed first, so several processes run it once). Answers the
    /// brands recomputed.
    public func runDue(groups: [GroupID], brands: (GroupID) async throws -> [BrandID], at: Date = Date())
        async throws -> [(GroupID, BrandID)]
    {
        var ran: [(GroupID, BrandID)] = []
        for group in groups {
            for brand in try await brands(group)
            where try await store.claimRFMRun(group: group, brand: brand, at: at, dueBefore: at - 86_400) {
                try await compute(group: group, brand: brand, at: at)
                ran.append((group, brand))
            }
        }
        return ran
    }
}
