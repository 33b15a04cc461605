public import Foundation

/// A change asked of a points account (``PointsAccount/apply(_:id:reason:source:idempotencyKey:at:)``).
public enum PointsOperation: Sendable, Hashable {
    /// Adds points (earn, positive adjustment, transfer in): settles debt first, the rest becomes a
    /// lot expiring at `expiresAt` (`nil`: never).
    case credit(Int64, kind: PointsEntryKind, expiresAt: Date?)
    /// Spends points (redeem, negative adjustment, transfer out) first-expiring-first; refused when
    /// fewer are available.
    case debit(Int64, kind: PointsEntryKind)
    /// Takes back points granted earlier (a refunded order): what is available is consumed, the
    /// rest is recorded as debt.
    case clawBack(Int64)
    /// Expires every lot whose expiry has passed.
    case expire

    /// Largest amount one operation may move: keeps every sum far from `Int64` overflow.
    public static let maximumPoints: Int64 = 1_000_000_000_000
}
