/// What a coupon gives. JSON: `{"type": "amount_off", "amountMinor": 2000}`,
/// `{"type": "percent_off", "percent": 15, "capMinor": 5000}`,
/// `{"type": "threshold", "spendMinor": 19900, "offMinor": 10000}` (spend ¥199, get ¥100 off),
/// `{"type": "gift_item", "sku": "SAMPLE-01"}`, `{"type": "free_shipping"}`.
public enum CouponBenefit: Sendable, Hashable {
    case amountOff(Int64)
    case percentOff(Int64, capMinor: Int64?)
    case threshold(spendMinor: Int64, offMinor: Int64)
    case giftItem(sku: String)
    case freeShipping

    var typeName: String {
        switch self {
        case .amountOff: "amount_off"
        case .percentOff: "percent_off"
        case .threshold: "threshold"
        case .giftItem: "gift_item"
        case .freeShipping: "free_shipping"
        }
    }

    func validate(path: String) -> [FieldError] {
        switch self {
        case .amountOff(let amount) where amount <= 0:
            [FieldError(path: path + ".amountMinor", reason: "must be a positive amount in minor units")]
        case .percentOff(let percent, _) where !(1...100).contains(percent):
            [FieldError(path: path + ".percent", reason: "must be from 1 to 100")]
        case .percentOff(_, let cap?) where cap <= 0:
            [FieldError(path: path + ".capMinor", reason: "must be positive when given")]
        case .threshold(let spend, let off) where off <= 0 || spend < off:
            [FieldError(path: path + ".offMinor", reason: "must be positive and not above spendMinor")]
        case .giftItem(let sku) where sku.trimmingWhitespace().isEmpty:
            [FieldError(path: path + ".sku", reason: "is required")]
        default: []
        }
    }
}

extension CouponBenefit: Codable {
    private enum CodingKeys: String, CodingKey { case type, amountMinor, percent, capMinor, spendMinor, offMinor, sku }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "amount_off": self = .amountOff(try container.decode(Int64.self, forKey: .amountMinor))
        case "percent_off":
            self = .percentOff(
                try container.decode(Int64.self, forKey: .percent),
                capMinor: try container.decodeIfPresent(Int64.self, forKey: .capMinor))
        case "threshold":
            self = .threshold(
                spendMinor: try container.decode(Int64.self, forKey: .spendMinor),
                offMinor: try container.decode(Int64.self, forKey: .offMinor))
        case "gift_item": self = .giftItem(sku: try container.decode(String.self, forKey: .sku))
        case "free_shipping": self = .freeShipping
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "must be amount_off, percent_off, threshold, gift_item or free_shipping")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .amountOff(let amount): try container.encode(amount, forKey: .amountMinor)
        case .percentOff(let percent, let cap):
            try container.encode(percent, forKey: .percent)
            try container.encodeIfPresent(cap, forKey: .capMinor)
        case .threshold(let spend, let off):
            try container.encode(spend, forKey: .spendMinor)
            try container.encode(off, forKey: .offMinor)
        case .giftItem(let sku): try container.encode(sku, forKey: .sku)
        case .freeShipping: break
        }
    }
}
