public import Foundation

/// What an order's earning is evaluated against, fixed when the order is first credited so that a
/// later refund is judged by the same rules: the programme version, the member's tier then, and
/// the most the order may earn (its share of the per-order and per-day caps).
public struct EarningContext: Sendable, Hashable {
    public var tier: String?
    /// Most points this order may earn; `nil`: no cap.
    public var limit: Int64?

    public init(tier: String?, limit: Int64?) {
        self.tier = tier
        self.limit = limit
    }
}
