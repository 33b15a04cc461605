/// Crockford's base 32 in lower case (`0-9`, then `a-z` without `i`, `l`, `o`, `u`): the spelling of
/// generated identifiers. The digits are in ASCII order, so fixed-width encodings of larger numbers
/// sort later as text — what keeps time-ordered identifiers appending to B-tree indexes.
///
///     CrockfordBase32.encode(1_000, digits: 4) // "00z8"
enum CrockfordBase32 {
    static let digits = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    /// The low `5 × digits` bits of `value`, most significant first, zero-padded to `digits` characters.
    static func encode(_ value: UInt128, digits count: Int) -> String {
        var value = value
        return String(unsafeUninitializedCapacity: count) { text in
            for index in stride(from: count - 1, through: 0, by: -1) {
                text[index] = digits[Int(value & 31)]
                value >>= 5
            }
            return count
        }
    }
}
