/// Coupon codes: 12 random Crockford base-32 symbols (60 bits: unguessable) and a Luhn mod 32
/// check symbol that catches every single mistyped symbol and most swaps, shown in groups of four
/// (`7KQD-M2XH-9BWT-R`). Reading forgives case, spaces, hyphens and the look-alikes O/I/L.
public enum CouponCode {
    /// Crockford's base 32: digits and letters without I, L, O and U.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let randomLength = 12

    /// A new code from `random` (pass the system generator; tests pass a seeded one).
    public static func make(using random: inout some RandomNumberGenerator) -> String {
        let body = (0..<randomLength).map { _ in alphabet[Int(random.next(upperBound: UInt32(alphabet.count)))] }
        return display(String(body) + String(checkSymbol(for: body.map(value))))
    }

    /// The code as stored and compared (`7KQDM2XH9BWTR`), or `nil` when it is malformed or its check
    /// symbol does not match (a typo, or a guess).
    public static func canonical(_ text: String) -> String? {
        var values: [Int] = []
        for character in text.uppercased() where character != "-" && character != " " {
            let mapped: Character =
                switch character {
                case "O": "0"
                case "I", "L": "1"
                default: character
                }
            guard let value = alphabet.firstIndex(of: mapped) else { return nil }
            values.append(value)
        }
        guard values.count == randomLength + 1, checkSymbol(for: values.dropLast()) == alphabet[values[randomLength]]
        else { return nil }
        return String(values.map { alphabet[$0] })
    }

    /// `7KQDM2XH9BWTR` → `7KQD-M2XH-9BWT-R`.
    public static func display(_ canonical: String) -> String {
        var groups: [String] = []
        var rest = Substring(canonical)
        while !rest.isEmpty {
            groups.append(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: "-")
    }

    private static func value(_ symbol: Character) -> Int { alphabet.firstIndex(of: symbol) ?? 0 }

    /// Luhn mod N over the alphabet: doubling every second symbol from the right.
    private static func checkSymbol(for values: some Collection<Int>) -> Character {
        let n = alphabet.count
        var sum = 0
        for (position, value) in values.reversed().enumerated() {
            var addend = position % 2 == 0 ? value * 2 : value
            addend = addend / n + addend % n
            sum += addend
        }
        return alphabet[(n - sum % n) % n]
    }
}
