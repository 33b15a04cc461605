/// Earns `earn` for every `perMinor` minor units paid on the order lines it applies to.
///
/// A rule without filters applies to every line; `channels`, `stores`, `categories` and `skus`
/// narrow it (all given filters must match). The first rule in a list that matches a line
/// decides that line, so list specific rules before general ones:
/// `[{"earn": 2, "perMinor": 100, "categories": ["skincare"]}, {"earn": 1, "perMinor": 100}]`.
public struct AmountRule: Sendable, Hashable, Codable {
    public var earn: Int64
    public var perMinor: Int64
    public var channels: [String]?
    public var stores: [String]?
    public var categories: [String]?
    public var skus: [String]?

    public init(
        earn: Int64, perMinor: Int64, channels: [String]? = nil, stores: [String]? = nil, categories: [String]? = nil,
        skus: [String]? = nil
    ) {
        self.earn = earn
        self.perMinor = perMinor
        self.channels = channels
        self.stores = stores
        self.categories = categories
        self.skus = skus
    }

    /// Whether the rule applies to `line` of an order placed through `channel` at `store`.
    public func matches(_ line: EarningLine, channel: String, store: String?) -> Bool {
        Self.allows(channels, channel) && Self.allows(stores, store) && Self.allows(categories, line.category)
            && Self.allows(skus, line.sku)
    }

    /// A filter that is absent allows everything; a present one only the values it lists.
    static func allows(_ filter: [String]?, _ value: String?) -> Bool {
        guard let filter else { return true }
        return value.map(filter.contains) ?? false
    }

    func validate(path: String) -> [FieldError] {
        var errors: [FieldError] = []
        if !(0...1_000_000).contains(earn) {
            errors.append(FieldError(path: path + ".earn", reason: "must be a whole number from 0 to 1000000"))
        }
        if !(1...100_000_000).contains(perMinor) {
            errors.append(
                FieldError(
                    path: path + ".perMinor", reason: "must be a whole number of minor units from 1 to 100000000"))
        }
        return errors
    }
}
