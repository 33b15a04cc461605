/// How a fractional number of points (or growth) becomes a whole one. Integer arithmetic only:
/// `1 point per ¥1` on ¥99.99 is 99 points `down`, 100 `halfUp` or `up`.
public enum Rounding: String, Sendable, Hashable, Codable, CaseIterable {
    case down
    case halfUp = "half_up"
    case up

    /// `value × numerator / denominator`, rounded; exact for every `Int64` input (the product is
    /// computed in 128 bits), saturating at `Int64.max`. `value` and `numerator` must not be
    /// negative and `denominator` must be positive.
    /// ```swift
    /// Rounding.down.scale(9_999, by: 1, over: 100)  // 99
    /// ```
    public func scale(_ value: Int64, by numerator: Int64, over denominator: Int64) -> Int64 {
        precondition(value >= 0 && numerator >= 0 && denominator > 0, "scale needs non-negative inputs")
        let product = UInt64(value).multipliedFullWidth(by: UInt64(numerator))
        let divisor = UInt64(denominator)
        // The quotient overflows when the high word reaches the divisor.
        guard product.high < divisor else { return Int64.max }
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        let roundedUp: Bool =
            switch self {
            case .down: false
            case .up: remainder > 0
            case .halfUp: remainder >= divisor - remainder
            }
        let result = quotient + (roundedUp ? 1 : 0)
        return result > UInt64(Int64.max) ? Int64.max : Int64(result)
    }
}
