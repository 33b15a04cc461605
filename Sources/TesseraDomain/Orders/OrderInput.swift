public import Foundation

/// An order as an integrator sends it: the full current state, keyed by its external id.
/// Sending it again with a later status (paid, refunded) moves the stored order forward.
public struct OrderInput: Sendable, Hashable {
    public var externalID: String
    public var channel: String
    public var storeCode: String?
    public var guideCode: String?
    public var status: OrderStatus
    public var currency: String
    public var totalMinor: Int64
    public var discountMinor: Int64
    public var paidMinor: Int64
    public var refundedMinor: Int64
    public var couponCode: String?
    public var items: [OrderItem]
    public var occurredAt: Date

    public init(
        externalID: String, channel: String, storeCode: String? = nil, guideCode: String? = nil,
        status: OrderStatus, currency: String, totalMinor: Int64, discountMinor: Int64 = 0, paidMinor: Int64,
        refundedMinor: Int64 = 0, couponCode: String? = nil, items: [OrderItem] = [], occurredAt: Date
    ) {
        self.externalID = externalID
        self.channel = channel
        self.storeCode = storeCode
        self.guideCode = guideCode
        self.status = status
        self.currency = currency
        self.totalMinor = totalMinor
        self.discountMinor = discountMinor
        self.paidMinor = paidMinor
        self.refundedMinor = refundedMinor
        self.couponCode = couponCode
        self.items = items
        self.occurredAt = occurredAt
    }

    /// Field errors, each with the JSON path (relative to the order object) at fault.
    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if externalID.isEmpty { errors.append(FieldError(path: "$.order_id", reason: "must not be empty")) }
        if !Money.isCurrencyCode(currency) {
            errors.append(FieldError(path: "$.currency", reason: "must be an ISO 4217 code such as CNY"))
        }
        for (name, value) in [
            ("total", totalMinor), ("discount", discountMinor), ("paid", paidMinor),
            ("refunded", refundedMinor),
        ] where value < 0 {
            errors.append(FieldError(path: "$.\(name)", reason: "must not be negative"))
        }
        if refundedMinor > paidMinor {
            errors.append(FieldError(path: "$.refunded", reason: "cannot exceed the paid amount"))
        }
        if status.countsAsPurchase || status == .refunded, paidMinor == 0, totalMinor > 0 {
            errors.append(FieldError(path: "$.paid", reason: "a \(status.rawValue) order needs its paid amount"))
        }
        for (index, item) in items.enumerated() {
            if item.sku.isEmpty {
                errors.append(FieldError(path: "$.items[\(index)].sku", reason: "must not be empty"))
            }
            if item.quantity <= 0 {
                errors.append(FieldError(path: "$.items[\(index)].quantity", reason: "must be positive"))
            }
            if item.unitPriceMinor < 0 {
                errors.append(FieldError(path: "$.items[\(index)].price", reason: "must not be negative"))
            }
        }
        return errors
    }

    /// A refund that names no amounts: refund whatever the stored order was paid.
    public var isFullRefundOfStoredOrder: Bool { status == .refunded && paidMinor == 0 && refundedMinor == 0 }

    /// The status implied by the refunded amount: a refund of everything paid is a full refund.
    public var effectiveStatus: OrderStatus {
        guard refundedMinor > 0 else { return status }
        return refundedMinor >= paidMinor ? .refunded : .partiallyRefunded
    }

    /// Whether this update may replace `stored`: states only move forward, so a replay or a
    /// late-arriving older update is a no-op rather than an undo.
    public func supersedes(_ stored: (status: OrderStatus, refundedMinor: Int64)) -> Bool {
        let incoming = effectiveStatus
        if incoming.stage != stored.status.stage { return incoming.stage > stored.status.stage }
        return refundedMinor > stored.refundedMinor
    }
}
