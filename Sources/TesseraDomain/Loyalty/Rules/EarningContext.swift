import Foundation

/// What an order's earning is evaluated against, fixed when the order is first credited so that a
/// later refund is judged by the same rules: the programme version, the member's tier and points
/// benefit then, and the most the order may earn (its share of the per-order and per-day caps).
public struct EarningContext: Sendable, Hashable {
    public var tier: String?
    /// Most points this order may earn; `nil`: no cap.
    public var limit: Int64?
    /// The member's best points-multiplier benefit then, in percent (100: none).
    public var benefitPercent: Int64

    public init(tier: String?, limit: Int64?, benefitPercent: Int64 = 100) {
        self.tier = tier
        self.limit = limit
        self.benefitPercent = benefitPercent
    }
}
