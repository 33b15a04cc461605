/// The size of a segment while its rule is being edited: exact for small member bases, otherwise
/// counted over a fixed random sample of members and scaled up, with a 95% interval.
///
/// Every member has a **sample bucket**, `0..<10_000`, fixed when the member is created (a hash of
/// its id, ``bucket(of:)``). Members in buckets below `b` are a uniform random sample of a fraction
/// `b / 10_000` of all members, and always the same ones — so editing a rule changes the estimate
/// only because the rule changed, never because a new sample was drawn.
///
/// ```swift
/// SegmentEstimate.sampled(matching: 131, of: 1_002, buckets: 100)  // ≈ 13,100 of ≈ 100,200
/// ```
public struct SegmentEstimate: Sendable, Hashable, Codable {
    /// Members matching: exact, or the sample's matches scaled by the sampled fraction.
    public var count: Int64
    /// The 95% interval around `count` (both equal to it when exact).
    public var low: Int64
    public var high: Int64
    /// Whether every member was examined.
    public var exact: Bool
    /// Members of the brand the sample held (nil for an exact count, which examined them all).
    public var sampled: Int64?

    /// How many buckets members are spread over.
    public static let buckets: Int64 = 10_000
    /// The lowest buckets, those the database indexes (a fifth of the members): the most an
    /// estimate samples. Indexing only these keeps the index small and out of every other query's way.
    /// It is the bound of the partial index `members_sample` (migration 0021): another bound needs a
    /// new migration, or the queries that name this one can no longer use the index.
    public static let indexedBuckets: Int64 = 2_000

    /// The bucket of a member id: stable across processes and runs (FNV-1a and SplitMix64's
    /// finaliser, as ``SegmentSample``), uniform for any ids, sequential ones included.
    public static func bucket(of member: MemberID) -> Int64 {
        Int64(SegmentSample.key(seed: 0, id: member.rawValue) % UInt64(buckets))
    }

    public init(count: Int64, low: Int64, high: Int64, exact: Bool, sampled: Int64?) {
        (self.count, self.low, self.high, self.exact, self.sampled) = (count, low, high, exact, sampled)
    }

    /// A count taken over every member.
    public static func exact(_ count: Int64) -> SegmentEstimate {
        SegmentEstimate(count: count, low: count, high: count, exact: true, sampled: nil)
    }

    /// `hits` of the `sampled` brand members in buckets `0..<buckets` matched: the count scaled by
    /// `10_000 / buckets`, and the Wilson score interval of the share (with the finite-population
    /// correction, so a sample of everything has no uncertainty) scaled the same way. The interval
    /// never goes below `hits`, which are real members.
    public static func sampled(matching hits: Int64, of sampled: Int64, buckets taken: Int64) -> SegmentEstimate {
        let taken = min(max(taken, 1), buckets)
        let scaled = (hits * buckets + taken / 2) / taken
        guard sampled > 0, taken < buckets else {
            return SegmentEstimate(count: scaled, low: scaled, high: scaled, exact: taken == buckets, sampled: sampled)
        }
        let fraction = Double(taken) / Double(buckets)
        let n = Double(sampled)
        let share = Double(hits) / n
        let z = 1.959_964 * (1 - fraction).squareRoot()
        let denominator = 1 + z * z / n
        let centre = (share + z * z / (2 * n)) / denominator
        let half = z / denominator * (share * (1 - share) / n + z * z / (4 * n * n)).squareRoot()
        let population = n / fraction
        let low = max(hits, min(scaled, Int64((population * max(0, centre - half)).rounded(.down))))
        let high = max(scaled, Int64((population * min(1, centre + half)).rounded(.up)))
        return SegmentEstimate(count: scaled, low: low, high: high, exact: false, sampled: sampled)
    }
}
