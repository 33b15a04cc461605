/// A seeded, reproducible random sample of members: each id gets a pseudo-random key from the seed
/// and its own text (FNV-1a, then SplitMix64's finaliser), and the sample is the ids with the
/// smallest keys. The same seed over the same members always picks the same sample, a member's
/// chance does not depend on the order the database returns rows in, and a larger sample with the
/// same seed contains the smaller one.
public enum SegmentSample {
    /// How many to take: a count or a percentage (rounded down) of the population.
    public enum Size: Sendable, Hashable {
        case count(Int)
        case percent(Int)

        public func count(of population: Int) -> Int {
            switch self {
            case .count(let count): min(max(count, 0), population)
            case .percent(let percent): population * min(max(percent, 0), 100) / 100
            }
        }
    }

    /// The sample of `ids` of `size` for `seed`, in key order.
    public static func pick(_ ids: [String], size: Size, seed: UInt64) -> [String] {
        let wanted = size.count(of: ids.count)
        return ids.map { (key(seed: seed, id: $0), $0) }.sorted { $0 < $1 }.prefix(wanted).map(\.1)
    }

    static func key(seed: UInt64, id: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
