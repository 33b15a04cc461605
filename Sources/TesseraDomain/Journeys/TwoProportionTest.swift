import Foundation

/// Compares a branch's conversion rate with the control group's: the two-proportion z-test (pooled
/// standard error) and the 95 % confidence interval of the difference (unpooled), as A/B reports state
/// them. Rates are statistics, not money, so floating point is right here.
///
/// `TwoProportionTest(conversions: 120, of: 1_000, controlConversions: 100, of: 1_000)` gives a lift of
/// 2 points, z ≈ 1.43, p ≈ 0.153, 95 % interval −0.7 to +4.7 points: not significant at 5 %.
public struct TwoProportionTest: Sendable, Hashable {
    public var rate: Double
    public var controlRate: Double
    /// rate − controlRate.
    public var difference: Double
    public var z: Double
    /// Two-sided.
    public var pValue: Double
    public var confidenceLow: Double
    public var confidenceHigh: Double

    /// Nil when either group is empty.
    public init?(conversions: Int, of members: Int, controlConversions: Int, of controlMembers: Int) {
        guard members > 0, controlMembers > 0 else { return nil }
        let (n1, n2) = (Double(members), Double(controlMembers))
        rate = Double(conversions) / n1
        controlRate = Double(controlConversions) / n2
        difference = rate - controlRate
        let pooled = Double(conversions + controlConversions) / (n1 + n2)
        let pooledError = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
        z = pooledError > 0 ? difference / pooledError : 0
        pValue = pooledError > 0 ? erfc(abs(z) / 2.0.squareRoot()) : 1
        let error = (rate * (1 - rate) / n1 + controlRate * (1 - controlRate) / n2).squareRoot()
        confidenceLow = difference - 1.959_963_985 * error
        confidenceHigh = difference + 1.959_963_985 * error
    }

    /// Significant at the 5 % level.
    public var significant: Bool { pValue < 0.05 }
}
