public import Foundation
public import TesseraDomain

/// What processing one queued order or event did.
public struct EarningResult: Sendable, Hashable {
    /// Change to the member's points balance (negative: clawed back, part of it maybe as debt).
    public var points: Int64
    public var growth: Int64
    /// Points now pending (held until `deferredUntil`).
    public var pending: Int64
    public var tierChanges: [TierChange]
    /// When the item comes due again (the end of an order's holding period); `nil`: done.
    public var deferredUntil: Date?
    /// The item was not processed: another worker holds it, or it is not due.
    public var skipped: Bool

    public init(
        points: Int64 = 0, growth: Int64 = 0, pending: Int64 = 0, tierChanges: [TierChange] = [],
        deferredUntil: Date? = nil, skipped: Bool = false
    ) {
        self.points = points
        self.growth = growth
        self.pending = pending
        self.tierChanges = tierChanges
        self.deferredUntil = deferredUntil
        self.skipped = skipped
    }
}
