public import Foundation
public import TesseraDomain

/// An issued coupon as stored.
public struct CouponRecord: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case issued, redeemed, voided, expired
    }

    public var id: String
    /// As shown to people, in groups (`7KQD-M2XH-9BWT-R`).
    public var code: String
    public var templateID: String
    public var brand: BrandID
    public var member: MemberID
    public var status: Status
    public var issuedAt: Date
    public var validFrom: Date
    public var validUntil: Date
    public var redeemedAt: Date?
    /// The order it was used on (the integrator's order id).
    public var orderID: String?
    public var discountMinor: Int64?

    public init(
        id: String, code: String, templateID: String, brand: BrandID, member: MemberID, status: Status, issuedAt: Date,
        validFrom: Date, validUntil: Date, redeemedAt: Date? = nil, orderID: String? = nil, discountMinor: Int64? = nil
    ) {
        self.id = id
        self.code = code
        self.templateID = templateID
        self.brand = brand
        self.member = member
        self.status = status
        self.issuedAt = issuedAt
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.redeemedAt = redeemedAt
        self.orderID = orderID
        self.discountMinor = discountMinor
    }
}

/// A coupon template as stored: its id, configuration, how many were issued and whether it is active.
public struct CouponTemplateRecord: Sendable, Hashable, Encodable {
    public var id: String
    public var template: CouponTemplate
    public var issued: Int64
    public var active: Bool

    public init(id: String, template: CouponTemplate, issued: Int64, active: Bool) {
        self.id = id
        self.template = template
        self.issued = issued
        self.active = active
    }
}

/// What redeeming, quoting, voiding or restoring a coupon answers.
public struct CouponOutcome: Sendable, Hashable, Encodable {
    public var coupon: CouponRecord
    public var quote: CouponQuote?
    /// A retry of an earlier redemption with the same idempotency key.
    public var replayed: Bool

    public init(coupon: CouponRecord, quote: CouponQuote?, replayed: Bool = false) {
        self.coupon = coupon
        self.quote = quote
        self.replayed = replayed
    }
}
