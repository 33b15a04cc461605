/// A kind of coupon a brand issues: what it gives, how many exist, how many one member may hold,
/// how long an issued one is valid, and where it applies.
///
/// ```json
/// {"name": "¥100 off ¥199", "benefit": {"type": "threshold", "spendMinor": 19900, "offMinor": 10000},
///  "validity": {"days": 30}, "stock": 10000, "perMemberLimit": 1, "channels": ["pos", "miniprogram"],
///  "categories": ["skincare"], "restoreOnRefund": true}
/// ```
public struct CouponTemplate: Sendable, Hashable, Codable {
    public var name: String
    public var benefit: CouponBenefit
    public var validity: CouponValidity
    /// Coupons that may ever be issued; `nil`: unlimited.
    public var stock: Int64?
    /// Coupons of this template one member may ever receive; `nil`: unlimited.
    public var perMemberLimit: Int64?
    /// Spend on eligible lines needed to use it (beyond a threshold benefit's own).
    public var minimumSpendMinor: Int64?
    public var channels: [String]?
    public var stores: [String]?
    /// Lines of these categories are eligible (and count towards spends); `nil`: every line.
    public var categories: [String]?
    /// A redeemed coupon becomes usable again when its order is refunded.
    public var restoreOnRefund: Bool

    public init(
        name: String, benefit: CouponBenefit, validity: CouponValidity, stock: Int64? = nil,
        perMemberLimit: Int64? = nil,
        minimumSpendMinor: Int64? = nil, channels: [String]? = nil, stores: [String]? = nil,
        categories: [String]? = nil, restoreOnRefund: Bool = false
    ) {
        self.name = name
        self.benefit = benefit
        self.validity = validity
        self.stock = stock
        self.perMemberLimit = perMemberLimit
        self.minimumSpendMinor = minimumSpendMinor
        self.channels = channels
        self.stores = stores
        self.categories = categories
        self.restoreOnRefund = restoreOnRefund
    }

    private enum CodingKeys: String, CodingKey {
        case name, benefit, validity, stock, perMemberLimit, minimumSpendMinor, channels, stores, categories
        case restoreOnRefund
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            benefit: try container.decode(CouponBenefit.self, forKey: .benefit),
            validity: try container.decode(CouponValidity.self, forKey: .validity),
            stock: try container.decodeIfPresent(Int64.self, forKey: .stock),
            perMemberLimit: try container.decodeIfPresent(Int64.self, forKey: .perMemberLimit),
            minimumSpendMinor: try container.decodeIfPresent(Int64.self, forKey: .minimumSpendMinor),
            channels: try container.decodeIfPresent([String].self, forKey: .channels),
            stores: try container.decodeIfPresent([String].self, forKey: .stores),
            categories: try container.decodeIfPresent([String].self, forKey: .categories),
            restoreOnRefund: try container.decodeIfPresent(Bool.self, forKey: .restoreOnRefund) ?? false)
    }

    /// Every fault, each at its JSON path.
    public func validate() -> [FieldError] {
        var errors = benefit.validate(path: "$.benefit") + validity.validate(path: "$.validity")
        if name.trimmingWhitespace().isEmpty { errors.append(FieldError(path: "$.name", reason: "is required")) }
        for (field, value) in [
            ("stock", stock), ("perMemberLimit", perMemberLimit), ("minimumSpendMinor", minimumSpendMinor),
        ]
        where (value ?? 1) < (field == "minimumSpendMinor" ? 0 : 1) {
            errors.append(FieldError(path: "$." + field, reason: "must be positive when given"))
        }
        return errors
    }

    /// What the coupon is worth on `cart`, or why it cannot be used there (`coupon_not_applicable`,
    /// `minimum_spend_not_met`). Validity, status and ownership are the store's to check.
    /// ```swift
    /// // threshold 199/100 on a cart of ¥250 eligible → discount 10000
    /// ```
    public func quote(_ cart: CouponCart) -> Result<CouponQuote, LoyaltyError> {
        guard AmountRule.allows(channels, cart.channel), AmountRule.allows(stores, cart.store) else {
            return .failure(
                LoyaltyError(
                    code: "coupon_not_applicable", field: "cart", message: "not valid on this channel or store"))
        }
        let eligible = cart.items.filter { AmountRule.allows(categories, $0.category) }
            .reduce(Int64(0)) { sum, item in
                let (line, overflow) = item.unitPriceMinor.multipliedReportingOverflow(by: Int64(item.quantity))
                return overflow ? Int64.max : sum.addingReportingOverflow(line).overflow ? Int64.max : sum + line
            }
        guard eligible > 0 || benefit == .freeShipping || categories == nil else {
            return .failure(
                LoyaltyError(
                    code: "coupon_not_applicable", field: "cart.items", message: "no item of the cart is eligible"))
        }
        var required = minimumSpendMinor ?? 0
        if case .threshold(let spend, _) = benefit { required = max(required, spend) }
        guard eligible >= required else {
            return .failure(
                LoyaltyError(
                    code: "minimum_spend_not_met", field: "cart.items",
                    message: "eligible spend \(eligible) is below the required \(required)"))
        }
        switch benefit {
        case .amountOff(let amount): return .success(CouponQuote(discountMinor: min(amount, eligible)))
        case .percentOff(let percent, let cap):
            let off = Rounding.down.scale(eligible, by: percent, over: 100)
            return .success(CouponQuote(discountMinor: min(off, cap ?? off)))
        case .threshold(_, let off): return .success(CouponQuote(discountMinor: min(off, eligible)))
        case .giftItem(let sku): return .success(CouponQuote(discountMinor: 0, giftSKU: sku))
        case .freeShipping: return .success(CouponQuote(discountMinor: cart.shippingMinor, freeShipping: true))
        }
    }
}
