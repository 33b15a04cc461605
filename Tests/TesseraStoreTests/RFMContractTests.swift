import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// RFM settings on both databases: the saved window is the default start of a computation, and the
/// daily scheduled run is claimed once per day however many processes ask.
@Suite("RFM settings and schedule on SQLite and PostgreSQL")
struct RFMContractTests {
    @Test(arguments: Backend.allCases)
    func theWindowBoundsComputationsAndTheScheduleRunsOncePerDay(backend: Backend) async throws {
        let population = try await SegmentDifferentialTests.populate(backend, seed: 31, members: 40)
        let (store, group, brand) = (population.store, population.group, population.brand)
        let at = SegmentDifferentialTests.now
        let rfm = RFMService(store: store)
        func scores() async throws -> [RFMScore] {
            try await store.rfmScores(group: group, brand: brand, after: nil, limit: 1_000, identifierType: nil)
                .map(\.score)
        }
        #expect(try await store.rfmSettings(group: group, brand: brand) == RFMSettings())
        try await rfm.compute(group: group, brand: brand, at: at)
        let everything = try await scores()

        try await store.saveRFMSettings(
            RFMSettings(windowDays: 20, scheduled: true), group: group, brand: brand, at: at)
        #expect(
            try await store.rfmSettings(group: group, brand: brand) == RFMSettings(windowDays: 20, scheduled: true))
        try await rfm.compute(group: group, brand: brand, at: at)
        let windowed = try await scores()
        let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
        let today = RFMCalculator(timeZone: zone, endDay: 0).localDay(of: Timestamp.micros(at))
        try await rfm.compute(group: group, brand: brand, startDay: today - 19, at: at)
        #expect(try await scores() == windowed)
        #expect(!windowed.isEmpty && windowed.count < everything.count)

        // The schedule: claimed once, due again a day later; unscheduled brands never run.
        #expect(try await rfm.runDue(groups: [group], brands: { _ in [brand] }, at: at).count == 1)
        #expect(try await rfm.runDue(groups: [group], brands: { _ in [brand] }, at: at + 3_600).isEmpty)
        #expect(try await rfm.runDue(groups: [group], brands: { _ in [brand] }, at: at + 86_400).count == 1)
        try await store.saveRFMSettings(
            RFMSettings(windowDays: nil, scheduled: false), group: group, brand: brand, at: at)
        #expect(try await rfm.runDue(groups: [group], brands: { _ in [brand] }, at: at + 3 * 86_400).isEmpty)
    }

    /// Purchases are read in pages that may end inside a member's purchases (which the next page
    /// reads again whole) or hold fewer purchases than one member has (the page then grows): any
    /// page size scores every member as one page does.
    @Test(arguments: Backend.allCases)
    func pagesOfAnySizeScoreEveryMemberAsOnePageDoes(backend: Backend) async throws {
        let population = try await SegmentDifferentialTests.populate(backend, seed: 32, members: 30)
        let (store, group, brand) = (population.store, population.group, population.brand)
        let at = SegmentDifferentialTests.now
        func scores(pageSize: Int) async throws -> (run: RFMService.Run, scores: [RFMScore]) {
            let run = try await RFMService(store: store, pageSize: pageSize).compute(group: group, brand: brand, at: at)
            let scores = try await store.rfmScores(
                group: group, brand: brand, after: nil, limit: 1_000, identifierType: nil)
            return (run, scores.map(\.score))
        }
        let whole = try await scores(pageSize: 100_000)
        #expect(whole.run.purchases > whole.run.members, "some member must have several purchases to split")
        for pageSize in [1, 2, 3, 5] {
            let paged = try await scores(pageSize: pageSize)
            #expect(paged.scores == whole.scores, "page size \(pageSize)")
            #expect(paged.run.purchases == whole.run.purchases, "page size \(pageSize)")
        }
    }

    /// Scores are written in chunks of 8,192 within one transaction: a replacement larger than a
    /// chunk stores every score exactly once, and the next replacement leaves only its own.
    @Test(arguments: Backend.allCases)
    func replacingScoresInSeveralChunksKeepsExactlyTheNewScores(backend: Backend) async throws {
        let population = try await SegmentDifferentialTests.populate(backend, seed: 34, members: 1)
        let (store, group, brand) = (population.store, population.group, population.brand)
        func scores(_ count: Int, frequency: Int64) -> [RFMScore] {
            let groups = RFMGroup.allCases
            return (0..<count).map { (index: Int) -> RFMScore in
                let number = Int64(index)
                let summary = RFMSummary(
                    member: String(format: "s%06d", index), frequency: frequency, recency: number % 97,
                    age: number % 365, repeatSumMinor: number * 7, totalMinor: number * 11)
                let (r, f, m) = (index % 5 + 1, index % 3 + 1, index % 4 + 1)
                return RFMScore(summary: summary, r: r, f: f, m: m, group: groups[index % groups.count])
            }
        }
        func stored() async throws -> [RFMScore] {
            var all: [RFMScore] = []
            while true {
                let page = try await store.rfmScores(
                    group: group, brand: brand, after: all.last?.summary.member, limit: 5_000, identifierType: nil)
                if page.isEmpty { return all }
                all += page.map(\.score)
            }
        }
        let many = scores(8_192 * 2 + 3, frequency: 1)
        try await store.replaceRFM(many, group: group, brand: brand, at: SegmentDifferentialTests.now)
        #expect(try await stored() == many)
        let fewer = scores(5, frequency: 2)
        try await store.replaceRFM(fewer, group: group, brand: brand, at: SegmentDifferentialTests.now)
        #expect(try await stored() == fewer)
    }

    /// A merge moves the merged member's orders to the survivor, but an order written by a
    /// transaction that raced the merge can stay behind: its member is merged, so it is no
    /// customer of its own, and RFM leaves it out (and its purchases) on both databases.
    @Test(arguments: Backend.allCases)
    func membersMergedAwayAreNotScoredEvenWithOrdersLeftBehind(backend: Backend) async throws {
        let population = try await SegmentDifferentialTests.populate(backend, seed: 33, members: 30)
        let (store, group, brand) = (population.store, population.group, population.brand)
        let at = SegmentDifferentialTests.now
        func run() async throws -> (run: RFMService.Run, members: [String]) {
            let run = try await RFMService(store: store, pageSize: 2).compute(group: group, brand: brand, at: at)
            let scores = try await store.rfmScores(
                group: group, brand: brand, after: nil, limit: 1_000, identifierType: nil)
            return (run, scores.map(\.score.summary.member))
        }
        let before = try await run()
        let pages = try await store.purchasePage(group: group, brand: brand, after: nil, limit: 100_000)
        let purchases = Dictionary(grouping: pages, by: \.member).mapValues(\.count)
        let scored = before.members.sorted()
        // One member in the middle of the id order, so pages before and after it are read too.
        let merged = try #require(scored.dropFirst(scored.count / 2).first)
        let survivor = try #require(scored.first)
        try await store.driver.run(
            ExecuteProgram([
                SQLStatement(
                    "UPDATE members SET status = 'merged', merged_into = ? WHERE group_id = ? AND id = ?",
                    [.text(survivor), .text(group.rawValue), .text(merged)])
            ]), writes: true)
        let after = try await run()
        #expect(after.members == before.members.filter { $0 != merged })
        #expect(after.run.purchases == before.run.purchases - (purchases[merged] ?? 0))
        #expect((purchases[merged] ?? 0) > 0)
    }
}
