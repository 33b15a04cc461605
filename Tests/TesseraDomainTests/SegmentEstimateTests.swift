import PropertyBased
import Testing
import TesseraDomain

@Suite("Segment size estimates")
struct SegmentEstimateTests {
    /// Whatever the sample saw, the interval holds the estimate and never claims fewer members than
    /// the sample found; a sample of every bucket is exact.
    @Test func intervalHoldsTheEstimate() async {
        let input = zip(Gen.int(in: 0...50_000), Gen.int(in: 0...100), Gen.int(in: 1...10_000))
        await propertyCheck(input: input) { sampledCount, percent, buckets in
            let sampled = Int64(sampledCount)
            let hits = sampled * Int64(percent) / 100
            let estimate = SegmentEstimate.sampled(matching: hits, of: sampled, buckets: Int64(buckets))
            #expect(estimate.low <= estimate.count && estimate.count <= estimate.high, "\(estimate)")
            #expect(estimate.low >= hits)
            #expect(estimate.count == (hits * 10_000 + Int64(buckets) / 2) / Int64(buckets))
            if buckets == 10_000 {
                #expect(estimate == SegmentEstimate(count: hits, low: hits, high: hits, exact: true, sampled: sampled))
            } else {
                #expect(!estimate.exact)
            }
        }
    }

    /// The interval narrows as the sample grows and is about ±2 standard errors wide: 1,000 of
    /// 10,000 members sampled from a 1% sample of a million.
    @Test func intervalWidthFollowsTheSample() {
        let small = SegmentEstimate.sampled(matching: 100, of: 1_000, buckets: 10)
        let large = SegmentEstimate.sampled(matching: 1_000, of: 10_000, buckets: 100)
        #expect(small.count == 100_000 && large.count == 100_000)
        #expect(small.high - small.low > large.high - large.low)
        // p = 0.1, n = 10,000: standard error 0.003, so the 95% interval is about 94,000–106,000.
        #expect((93_500...94_500).contains(large.low), "\(large)")
        #expect((105_500...106_500).contains(large.high), "\(large)")
    }

    /// Buckets are uniform even for sequential ids: each tenth of the buckets holds about a tenth of
    /// 100,000 ids, and a member's bucket is the same in every version.
    @Test func bucketsAreUniformAndStable() {
        var tenths = [Int](repeating: 0, count: 10)
        for index in 0..<100_000 {
            let bucket = SegmentEstimate.bucket(of: MemberID("member-\(index)"))
            #expect((0..<10_000).contains(bucket))
            tenths[Int(bucket / 1_000)] += 1
        }
        // 10,000 expected per tenth, standard deviation ~95: ±500 is more than five of them.
        #expect(tenths.allSatisfy { (9_500...10_500).contains($0) }, "\(tenths)")
        // Stored buckets were computed by earlier versions: the function must never change.
        #expect(SegmentEstimate.bucket(of: MemberID("m0000001")) == 4_372)
        #expect(SegmentEstimate.bucket(of: MemberID("0190a1b2-0000-7000-8000-000000000000")) == 1_370)
    }
}
