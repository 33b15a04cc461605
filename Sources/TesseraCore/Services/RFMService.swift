public import Foundation
public import TesseraDomain

/// RFM over a brand's valid purchases (SPEC §5): per member the figures `lifetimes` computes
/// (frequency, recency, T, monetary value, over local days), R/F/M quintile scores and the named
/// group, recomputed on demand (and by the refresh job on schedule).
public struct RFMService: Sendable {
    public let store: any RFMStore & PointsStore
    /// Purchases read per page.
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
    /// zone), over purchases from `startDay` (default: all).
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
        let calculator = RFMCalculator(timeZone: zone, endDay: endDay ?? today, startDay: startDay)
        var summaries: [RFMSummary] = []
        var member: String?
        var purchases: [(at: Int64, amountMinor: Int64)] = []
        func close() {
            if let member, let summary = calculator.summary(member: member, purchases: purchases) {
                summaries.append(summary)
            }
            purchases.removeAll(keepingCapacity: true)
        }
        var cursor: (member: String, order: String)?
        while true {
            let readStart = clock.now
            let page = try await store.purchasePage(group: group, brand: brand, after: cursor, limit: pageSize)
            let computeStart = clock.now
            reading += computeStart - readStart
            purchaseCount += page.count
            defer { computing += clock.now - computeStart }
            for row in page {
                if row.member != member {
                    close()
                    member = row.member
                }
                purchases.append((row.at, row.amountMinor))
            }
            guard let last = page.last, page.count == pageSize else { break }
            cursor = (last.member, last.order)
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
}
