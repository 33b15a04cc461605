extension String {
    /// FNV-1a, 64 bits: a hash that is the same in every process and run (unlike `Hasher`), for
    /// idempotency keys derived from content.
    public var fnv1a64: UInt64 {
        utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }
}
