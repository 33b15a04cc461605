public import Foundation
public import TesseraDomain

/// Loyalty programmes and the points ledger (SPEC §4).
public protocol PointsStore: Sendable {
    /// The brand's current programme and its version (version 0 and ``LoyaltyProgram/standard``
    /// when none was ever stored).
    func loyaltyProgram(group: GroupID, brand: BrandID) async throws -> (version: Int, program: LoyaltyProgram)
    /// Stores `program` as the brand's next version and returns that version.
    func setLoyaltyProgram(_ program: LoyaltyProgram, group: GroupID, brand: BrandID, at: Date) async throws -> Int
    /// Applies one operation to a member's account atomically: the account is locked, lots past
    /// expiry are expired first, the entries are appended and lots and balance updated in one
    /// transaction. A request whose idempotency key was used returns the stored outcome.
    /// Throws `notFound` for an unknown member, `conflict` for a merged one, `rejected` when the
    /// ledger refuses (`insufficient_points`, `invalid_amount`).
    func applyPoints(_ request: PointsRequest) async throws -> PointsOutcome
    /// The member's account in the brand (empty when it has none).
    func pointsAccount(group: GroupID, brand: BrandID, member: MemberID) async throws -> PointsAccount
    /// The member's entries, newest first, strictly before the entry `before` when given.
    func pointsEntries(group: GroupID, brand: BrandID, member: MemberID, before: String?, limit: Int) async throws
        -> [PointsEntry]
    /// Applies `requests` together — in as few transactions and statements as the database allows —
    /// and answers each in order with what ``applyPoints(_:)`` would have answered for it alone:
    /// a refusal, an unknown member or a replay is that request's result and does not hold back the
    /// others. Operations on one account apply in their order. How the expiry pass handles a page of
    /// members and concurrent redemptions share their commits; a replay's balance may include
    /// operations later in the list.
    func applyPoints(together requests: [PointsRequest]) async -> [Result<PointsOutcome, any Error>]
    /// Members (with their brand) holding lots whose expiry is at or before `date`, at most `limit`,
    /// so that the expiry job can page through them without loading all lots.
    func membersWithDuePoints(group: GroupID, at date: Date, limit: Int) async throws -> [(BrandID, MemberID)]
}
