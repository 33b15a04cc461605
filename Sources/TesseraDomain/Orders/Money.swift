public import Foundation

/// Money as integer minor units (fen, cents). Never floating point.
public enum Money {
    /// ISO 4217 currencies whose minor unit is not 2 digits.
    static let exponents: [String: Int] = [
        "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    ]

    /// Digits after the decimal point for `currency` (2 unless listed otherwise).
    public static func exponent(of currency: String) -> Int { exponents[currency.uppercased()] ?? 2 }

    /// `19.99` CNY → `1999`. Fails when the amount has more precision than the currency allows,
    /// rather than rounding silently.
    public static func minorUnits(_ amount: Decimal, currency: String) -> Int64? {
        var scaled = amount
        for _ in 0..<exponent(of: currency) { scaled *= 10 }
        return exactInteger(scaled)
    }

    /// The whole numbers amounts and counts may take: a tenth of `Int64`'s range, so sums of a few of
    /// them cannot overflow.
    public static let integerRange: ClosedRange<Int64> = -(Int64.max / 10 - 1)...(Int64.max / 10 - 1)

    /// The value as an `Int64` when it is a whole number within ``integerRange``, else `nil`.
    public static func exactInteger(_ value: Decimal) -> Int64? {
        var value = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        guard rounded == value, abs(rounded) <= Decimal(integerRange.upperBound) else { return nil }
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    /// True when `text` is a three-letter ISO 4217 code.
    public static func isCurrencyCode(_ text: String) -> Bool {
        text.count == 3 && text.allSatisfy { $0.isASCII && $0.isUppercase }
    }
}
