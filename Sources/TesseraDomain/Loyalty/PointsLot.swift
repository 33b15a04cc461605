public import Foundation

/// Points earned together, spent and expired together: one earning (or positive adjustment) of a
/// member, with what is left of it and when that remainder expires.
///
/// Redemption, expiry and claw-back consume lots first-expiring-first (``PointsAccount``), so the
/// member always loses the points that would have expired soonest.
public struct PointsLot: Sendable, Hashable, Codable {
    public var id: String
    public var earnedAt: Date
    /// `nil`: never expires.
    public var expiresAt: Date?
    /// Points the lot was created with (after settling debt).
    public var amount: Int64
    /// Points not yet consumed; `0...amount`.
    public var remaining: Int64

    public init(id: String, earnedAt: Date, expiresAt: Date?, amount: Int64, remaining: Int64) {
        self.id = id
        self.earnedAt = earnedAt
        self.expiresAt = expiresAt
        self.amount = amount
        self.remaining = remaining
    }

    /// The order in which lots are consumed: soonest expiry first, never-expiring last, then oldest.
    public static func consumedBefore(_ lhs: PointsLot, _ rhs: PointsLot) -> Bool {
        switch (lhs.expiresAt, rhs.expiresAt) {
        case (let left?, let right?) where left != right: return left < right
        case (.some, .none): return true
        case (.none, .some): return false
        default: return (lhs.earnedAt, lhs.id) < (rhs.earnedAt, rhs.id)
        }
    }
}
