import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("RFM")
struct RFMTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? .gmt

    static func micros(_ text: String) throws -> Int64 {
        Int64(try Date(text, strategy: .iso8601).timeIntervalSince1970) * 1_000_000
    }

    @Test func purchasesAreGroupedByLocalDay() throws {
        let end = try #require(CivilDate.day(of: "1998-06-30"))
        let calculator = RFMCalculator(timeZone: Self.shanghai, endDay: end)
        let summary = try #require(
            calculator.summary(
                member: "m",
                purchases: [
                    // 23:30 on 1 January in Shanghai is still 1 January locally (15:30 UTC).
                    (try Self.micros("1997-01-01T15:30:00Z"), 1_000),
                    (try Self.micros("1997-01-01T02:00:00Z"), 500),
                    // 00:30 on 2 January in Shanghai: the next day, though still 1 January in UTC.
                    (try Self.micros("1997-01-01T16:30:00Z"), 2_000),
                    (try Self.micros("1997-01-11T04:00:00Z"), 4_001),
                    (try Self.micros("1998-07-01T04:00:00Z"), 99_999),  // after the end: ignored
                ]))
        #expect(summary.frequency == 2)
        #expect(summary.recency == 10)
        #expect(summary.age == end - (try #require(CivilDate.day(of: "1997-01-01"))))
        #expect(summary.repeatSumMinor == 6_001)
        #expect(summary.totalMinor == 7_501)
        #expect(summary.monetaryValueMinor == 3_000.5)
        #expect(calculator.summary(member: "x", purchases: [(try Self.micros("1998-07-02T04:00:00Z"), 1)]) == nil)
    }

    @Test func datesAreCheckedAndCountedLikeTheCalendar() async {
        #expect(CivilDate.day(of: "1970-01-01") == 0)
        #expect(CivilDate.day(of: "2000-03-01") == 11_017)
        #expect(CivilDate.day(of: "1999-02-29") == nil)
        #expect(CivilDate.day(of: "1998-6-30x") == nil)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = .gmt
        // From 1586: Foundation's Gregorian calendar is Julian before October 1582; ours is proleptic.
        await propertyCheck(input: Gen.int(in: -140_000...200_000)) { offset in
            let date = Date(timeIntervalSince1970: Double(offset) * 86_400)
            let parts = utc.dateComponents([.year, .month, .day], from: date)
            let text = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            #expect(CivilDate.day(of: text) == Int64(offset))
        }
    }

    @Test func quintilesRankAndTiesShareAScore() {
        let summaries = (0..<10).map { index in
            RFMSummary(
                member: "m\(index)", frequency: Int64(index / 2), recency: Int64(index), age: 20, repeatSumMinor: 0,
                totalMinor: Int64(index * 100))
        }
        let scores = RFMCalculator.score(summaries)
        #expect(scores.map(\.m) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        #expect(scores.map(\.f) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        // The most recent buyer (fewest days since the last purchase) ranks highest.
        #expect(scores.map(\.r) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        #expect(scores[9].group == .champions)
        #expect(scores[0].group == .hibernating)
        #expect(RFMGroup.of(r: 1, f: 5) == .cannotLose)
        #expect(RFMGroup.of(r: 5, f: 1) == .newCustomers)
        let tied = RFMCalculator.score(Array(repeating: summaries[3], count: 4))
        #expect(Set(tied.map(\.m)) == [1])
    }
}
