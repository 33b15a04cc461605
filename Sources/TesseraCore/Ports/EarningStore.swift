public import Foundation
public import TesseraDomain

/// Automatic earning (orders and events through the loyalty queue), growth value and tiers (SPEC §4).
public protocol EarningStore: Sendable {
    /// Adds `growth` to the member's growth value (moving their tier) once per `idempotencyKey`;
    /// answers false when the key was used before and nothing changed.
    func grantGrowth(
        _ growth: Int64, group: GroupID, brand: BrandID, member: MemberID, reason: String, source: PointsSource,
        idempotencyKey: String, at date: Date
    ) async throws -> Bool
    /// Queued orders and events due at `date`, oldest first, at most `limit`.
    func dueEarnings(at date: Date, limit: Int) async throws -> [LoyaltyQueueItem]
    /// Processes one item in one transaction: points (earn or claw-back), growth, tier, the order's
    /// credit record and domain events; the item leaves the queue or waits for its holding period.
    /// An item another worker holds, or one not due, is `skipped`.
    func processEarning(_ item: LoyaltyQueueItem, at date: Date) async throws -> EarningResult
    /// Records a failed attempt: the item is due again at `retryAt`, with the error kept for operators.
    func postponeEarning(_ item: LoyaltyQueueItem, error: String, retryAt: Date) async throws
    /// How many items wait, and how many of those failed at least once.
    func earningQueueDepth(group: GroupID) async throws -> (waiting: Int, failing: Int)
    /// The member's tier, growth value and pending points in the brand.
    func loyaltyStanding(group: GroupID, brand: BrandID, member: MemberID) async throws -> LoyaltyStanding
    /// The member's tier changes, newest first.
    func tierHistory(group: GroupID, brand: BrandID, member: MemberID, limit: Int) async throws -> [TierChange]
    /// Members whose tier period ended by `date`, at most `limit`.
    func membersDueForTierReview(at date: Date, limit: Int) async throws -> [(GroupID, BrandID, MemberID)]
    /// Closes the member's ended tier periods (downgrading where the rules say); idempotent.
    func reviewTier(group: GroupID, brand: BrandID, member: MemberID, at date: Date) async throws -> [TierChange]
}
