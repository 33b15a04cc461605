public import Foundation
public import TesseraDomain

/// Purchases read for RFM and the scores written back (SPEC §5).
public protocol RFMStore: Sendable {
    /// Valid purchases of live members of `brand` — `(member, purchased at, paid − refunded)` — of
    /// members after `member`, at most `limit`, in member order (one member's in no set order). When
    /// the page is full its last member may have more purchases on the next one.
    ///
    /// Member order alone is what the members-then-time index gives without a sort: ordering by
    /// order id too made SQLite sort every member's orders, half the read's time over CDNOW.
    func purchasePage(group: GroupID, brand: BrandID, after member: String?, limit: Int)
        async throws -> [(member: String, at: Int64, amountMinor: Int64)]
    /// Replaces the brand's scores with `scores` in one transaction.
    func replaceRFM(_ scores: [RFMScore], group: GroupID, brand: BrandID, at: Date) async throws
    /// Stored scores in member id order after `cursor`; with `identifierType`, each member's
    /// identifier value of that type (the smallest, if several).
    func rfmScores(group: GroupID, brand: BrandID, after cursor: String?, limit: Int, identifierType: String?)
        async throws -> [(score: RFMScore, identifier: String?)]
    /// The brand's RFM settings (defaults when never saved).
    func rfmSettings(group: GroupID, brand: BrandID) async throws -> RFMSettings
    func saveRFMSettings(_ settings: RFMSettings, group: GroupID, brand: BrandID, at: Date) async throws
    /// Claims the brand's scheduled run when it is scheduled and its last run started at or before
    /// `dueBefore`: a compare-and-set, so of several processes exactly one runs it.
    func claimRFMRun(group: GroupID, brand: BrandID, at: Date, dueBefore: Date) async throws -> Bool
}
