/// A member privilege (权益), attached to a tier or granted to one member.
///
/// JSON: `{"kind": "discount_rate", "name": "Gold 5% off", "percent": 5}`,
/// `{"kind": "points_multiplier", "name": "Double points", "percent": 200}`,
/// `{"kind": "birthday_gift", "name": "Birthday cake", "uses": 1}`,
/// `{"kind": "free_service", "name": "Free alterations", "uses": 3}`.
/// Uses of a tier's benefit renew with each tier period; a granted benefit's uses are its own.
public struct Benefit: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// `percent` off the price at the till.
        case discountRate = "discount_rate"
        /// Points earned are multiplied by `percent` (200 = double); applied by the earn rules.
        case pointsMultiplier = "points_multiplier"
        /// A gift around the member's birthday, `uses` times per period.
        case birthdayGift = "birthday_gift"
        /// A service offered free `uses` times.
        case freeService = "free_service"
    }

    public var kind: Kind
    public var name: String
    public var percent: Int64?
    public var uses: Int64?

    public init(kind: Kind, name: String, percent: Int64? = nil, uses: Int64? = nil) {
        self.kind = kind
        self.name = name
        self.percent = percent
        self.uses = uses
    }

    /// Every fault, at paths under `path`.
    public func validate(path: String) -> [FieldError] {
        var errors: [FieldError] = []
        if name.trimmingWhitespace().isEmpty { errors.append(FieldError(path: path + ".name", reason: "is required")) }
        switch kind {
        case .discountRate where !(1...99).contains(percent ?? 0):
            errors.append(FieldError(path: path + ".percent", reason: "a discount rate is 1 to 99 percent off"))
        case .pointsMultiplier where !(100...10_000).contains(percent ?? 0):
            errors.append(FieldError(path: path + ".percent", reason: "a points multiplier is 100 to 10000 percent"))
        case .birthdayGift, .freeService:
            if !(1...10_000).contains(uses ?? 0) {
                errors.append(FieldError(path: path + ".uses", reason: "is required, from 1 to 10000"))
            }
        default: break
        }
        return errors
    }
}
