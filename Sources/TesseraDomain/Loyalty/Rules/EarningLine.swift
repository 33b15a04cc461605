/// One order line as earning rules see it: what it is and its share of the amount actually paid
/// (net of discounts and refunds), in minor units.
public struct EarningLine: Sendable, Hashable {
    public var sku: String?
    public var category: String?
    public var amountMinor: Int64

    public init(sku: String?, category: String?, amountMinor: Int64) {
        self.sku = sku
        self.category = category
        self.amountMinor = amountMinor
    }

    /// Splits `netMinor` over `items` in proportion to their list value (quantity × unit price),
    /// exactly: shares are floored and the minor units left over go to the lines with the largest
    /// remainders (earlier lines first on ties), so the shares always sum to `netMinor`. An order
    /// without priced items is one line without SKU or category.
    /// ```swift
    /// EarningLine.allocate(100, over: [a (value 1), b (value 2)])  // 33, 67
    /// ```
    public static func allocate(_ netMinor: Int64, over items: [OrderItem]) -> [EarningLine] {
        let values = items.map { item in
            UInt64(max(0, item.unitPriceMinor)).multipliedReportingOverflow(by: UInt64(max(0, item.quantity)))
        }
        let total = values.reduce(UInt64(0)) { sum, value in
            value.overflow ? UInt64.max : sum.addingReportingOverflow(value.partialValue).partialValue
        }
        guard netMinor > 0, total > 0, !values.contains(where: \.overflow), total <= UInt64(Int64.max) else {
            return [EarningLine(sku: nil, category: nil, amountMinor: max(0, netMinor))]
        }
        var shares: [(quotient: UInt64, remainder: UInt64)] = values.map { value in
            total.dividingFullWidth(UInt64(netMinor).multipliedFullWidth(by: value.partialValue))
        }
        var left = UInt64(netMinor) - shares.reduce(0) { $0 + $1.quotient }
        for index in shares.indices.sorted(by: { (shares[$0].remainder, $1) > (shares[$1].remainder, $0) })
        where left > 0 {
            shares[index].quotient += 1
            left -= 1
        }
        return zip(items, shares).map { item, share in
            EarningLine(sku: item.sku, category: item.category, amountMinor: Int64(share.quotient))
        }
    }
}
