public import Foundation
public import TesseraDomain

/// A member's points in one brand at an instant: the figures a member 360 view and a till show.
public struct PointsSummary: Sendable, Hashable, Encodable {
    /// Points in lots, including lots past expiry the expiry job has not processed yet.
    public var balance: Int64
    /// Spendable now (lots not yet expired).
    public var available: Int64
    /// Owed after claw-backs; the next earnings settle it.
    public var debt: Int64
    /// Points expiring within the asked window.
    public var expiring: Int64
    public var expiringUntil: Date
    /// Open lots, first to be consumed first.
    public var lots: [PointsLot]

    public init(account: PointsAccount, at date: Date, expiringUntil: Date) {
        balance = account.balance
        available = account.available(at: date)
        debt = account.debt
        expiring = account.expiring(after: date, until: expiringUntil)
        self.expiringUntil = expiringUntil
        lots = account.lots.sorted(by: PointsLot.consumedBefore)
    }
}
