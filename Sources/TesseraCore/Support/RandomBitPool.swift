#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// Random bits for generated identifiers, drawn from the kernel 256 bytes at a time.
///
/// `SystemRandomNumberGenerator` makes one system call per 64 bits, so every identifier cost two.
/// Projecting ingested events makes two identifiers per message, all on SQLite's single writer, and
/// those calls were 2.5% of its time. `getentropy` fills up to 256 bytes per call (its limit), the
/// bits of sixteen identifiers, from the same kernel generator.
///
///     let bits = RandomBitPool.next128()
enum RandomBitPool {
    private static let words = 32
    private static let pool = Mutex<(words: [UInt64], next: Int)>(([], 0))

    /// 128 random bits, each drawn once.
    static func next128() -> UInt128 {
        pool.withLock { pool in
            if pool.next + 2 > pool.words.count {
                pool.words = refill()
                pool.next = 0
            }
            defer { pool.next += 2 }
            return UInt128(pool.words[pool.next]) << 64 | UInt128(pool.words[pool.next + 1])
        }
    }

    private static func refill() -> [UInt64] {
        var fresh = [UInt64](repeating: 0, count: words)
        let status = fresh.withUnsafeMutableBytes { getentropy($0.baseAddress, $0.count) }
        if status != 0 {
            // Not expected on any supported kernel; the standard generator is the same source, word by word.
            var generator = SystemRandomNumberGenerator()
            for index in fresh.indices { fresh[index] = generator.next() }
        }
        return fresh
    }
}
